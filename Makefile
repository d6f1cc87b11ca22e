# The two commands of the README: `make run` starts the whole system, `make test` runs the tests.
# Both keep their virtualenv in .venv/ and reinstall only when a requirements file changes:
# `make run` installs the runtime set (requirements.txt), the other targets the dev set too.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
RUNTIME_STAMP := $(VENV)/.runtime-stamp
STAMP := $(VENV)/.dev-stamp
PORT ?= 8000
FLOWER_PORT ?= 5555
# Flower reads FLOWER_PORT, FLOWER_ADDRESS and FLOWER_BASIC_AUTH from the environment itself.
FLOWER_ADDRESS ?= 127.0.0.1
export PORT FLOWER_PORT FLOWER_ADDRESS
# Procfile commands (gunicorn, celery) run from the project's virtualenv.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: run dev test lint format schema check-deploy bench loadtest drills clean venv

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PIP_INSTALL) -r requirements.txt
	@touch $(RUNTIME_STAMP)

# The dev set includes the runtime set, so it satisfies both stamps.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $(STAMP)

venv: $(STAMP)

run: $(RUNTIME_STAMP)
	@$(PY) -m assessment_engine.bootstrap
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py collectstatic --noinput -v 0
	@$(PY) manage.py ensure_admin
	@mkdir -p .run
	@test -n "$$FLOWER_BASIC_AUTH" || test -s .run/flower-basic-auth || \
		( umask 077 && echo "flower:$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(12))')" > .run/flower-basic-auth \
		  && echo "Flower credentials written to .run/flower-basic-auth" )
	@echo "API and admin: http://127.0.0.1:$(PORT)/  (docs: /api/v1/docs, admin: /admin/)"
	@echo "Flower:        http://127.0.0.1:$(FLOWER_PORT)/  (basic auth: FLOWER_BASIC_AUTH or .run/flower-basic-auth)"
	@FLOWER_BASIC_AUTH="$${FLOWER_BASIC_AUTH:-$$(cat .run/flower-basic-auth)}" \
		exec $(PY) -m assessment_engine.supervisor

# `make run` with Django's debug pages, on 127.0.0.1 only (gunicorn.conf.py refuses DEBUG on
# any other address). `make run` itself never turns DEBUG on.
dev: export DJANGO_DEBUG = true
dev: export BIND_HOST = 127.0.0.1
dev: run

# The concurrency tests and the streamed CSV export run a second time through PgBouncer in
# transaction mode.
PGBOUNCER_TESTS := sessions/tests/test_concurrency.py assessments/tests/test_concurrency.py \
	syllabus/tests/test_concurrency.py sessions/tests/test_idempotency.py sessions/tests/test_results.py

test: $(STAMP)
	@$(PY) -m assessment_engine.bootstrap --test
	$(VENV)/bin/pytest $(PYTEST_ARGS)
	@if command -v pgbouncer >/dev/null 2>&1; then \
		scripts/with_pgbouncer.sh $(VENV)/bin/pytest -q $(PGBOUNCER_TESTS); \
	else echo "pgbouncer is not installed: skipping the PgBouncer pass (.ci/run installs it)"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The OpenAPI schema must generate with no warnings and validate as OpenAPI 3.
schema: $(STAMP)
	@mkdir -p .run
	DJANGO_SETTINGS_MODULE=assessment_engine.settings.test $(PY) manage.py spectacular \
		--validate --fail-on-warn --file .run/openapi.yaml
	@echo "OpenAPI schema valid."

# The deployment's provider choice is its own: the offline one is allowed here so the rest is checked.
check-deploy: $(RUNTIME_STAMP)
	DJANGO_SETTINGS_MODULE=assessment_engine.settings.production AI_ALLOW_OFFLINE=true \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(PY) manage.py check --deploy --fail-level WARNING

# Runs every bench/ script and refreshes its recorded output in docs/BENCHMARKS.md.
bench: $(STAMP)
	$(PY) bench/run_all.py

# Locust against gunicorn + workers on a database of its own (defaults: 1,000 users, 3 min;
# LOADTEST_USERS, LOADTEST_SPAWN_RATE, LOADTEST_RUN_TIME to change;
# `make loadtest LOADTEST_ARGS=--steady` starts the clock once every user has logged in).
loadtest: $(STAMP)
	$(PY) -m loadtest.run $(LOADTEST_ARGS)

# The fault drills alone (they also run in `make test`).
drills: $(STAMP)
	$(VENV)/bin/pytest drills -rxX -s

clean:
	rm -rf $(VENV) .run staticfiles
