"""Read by Flower at start (its --conf default, from the working directory): options come from
the environment (FLOWER_BASIC_AUTH, FLOWER_PORT, FLOWER_ADDRESS); this file only closes the one
route Flower leaves without auth."""

from assessment_engine.flower_auth import require_auth_for_metrics

require_auth_for_metrics()
