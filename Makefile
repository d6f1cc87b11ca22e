# The two commands of the README: `make run` starts the whole system, `make test` runs the tests.
# Both keep their virtualenv in .venv/ and reinstall only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
FLOWER_PORT ?= 5555
# Flower reads FLOWER_PORT, FLOWER_ADDRESS and FLOWER_BASIC_AUTH from the environment itself.
FLOWER_ADDRESS ?= 127.0.0.1
export PORT FLOWER_PORT FLOWER_ADDRESS
# Procfile commands (gunicorn, celery) run from the project's virtualenv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run dev test lint format schema check-deploy bench loadtest drills clean venv

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
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
	FLOWER_BASIC_AUTH="$${FLOWER_BASIC_AUTH:-$$(cat .run/flower-basic-auth)}" \
		exec $(VENV)/bin/honcho start -f Procfile -p $(PORT)

# `make run` with Django's debug pages, on 127.0.0.1 only (gunicorn.conf.py refuses DEBUG on
# any other address). `make run` itself never turns DEBUG on.
dev: export DJANGO_DEBUG = true
dev: export BIND_HOST = 127.0.0.1
dev: run

# The concurrency tests run a second time through PgBouncer in transaction mode.
PGBOUNCER_TESTS := sessions/tests/test_concurrency.py assessments/tests/test_concurrency.py \
	syllabus/tests/test_concurrency.py assessment_engine/idempotency

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
	DJANGO_SETTINGS_MODULE=assessment_engine.settings.test $(PY) manage.py spectacular \
		--validate --fail-on-warn --file /tmp/assessment-engine-openapi.yaml
	@echo "OpenAPI schema valid."

# The deployment's provider choice is its own: the offline one is allowed here so the rest is checked.
check-deploy: $(STAMP)
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
	$(PY) loadtest/run.py $(LOADTEST_ARGS)

# The fault drills alone (they also run in `make test`).
drills: $(STAMP)
	$(VENV)/bin/pytest drills -rxX -s

clean:
	rm -rf $(VENV) .run staticfiles
