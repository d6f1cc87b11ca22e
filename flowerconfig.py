"""Read by Flower at start (its --conf default, from the working directory): options come from
the environment (FLOWER_BASIC_AUTH, FLOWER_PORT, FLOWER_ADDRESS); this file closes the one
route Flower leaves without auth and has it inspect workers that start after it."""

from assessment_engine.flower_auth import require_auth_for_metrics
from assessment_engine.flower_workers import inspect_workers_as_they_appear

require_auth_for_metrics()
inspect_workers_as_they_appear()
