# congdan: two commands set everything up.
#   make run   - install, migrate the embedded SQLite database, seed demo data once, serve on 127.0.0.1:5000
#                (nginx buffering in front of gunicorn: backend/front/serve.py)
#   make test  - install what the suite needs (apt packages too, when root) and run it on SQLite and PostgreSQL

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Debian packages: what the server needs, and what the test suite needs on top.
RUN_APT := ca-certificates nginx
# The kiosk's voice prompts are rendered at build time (make kiosk-voice) with espeak-ng.
KIOSK_APT := espeak-ng
TEST_APT := nginx haproxy libzbar0 libpcsclite-dev gcc pcscd vsmartcard-vpcd postgresql redis-server poppler-utils \
            fonts-dejavu-core libgl1 libgl1-mesa-dri libegl1 libegl-mesa0 libx11-6 libxext6 \
            libxcursor1 libxi6 libxrandr2 libxss1 libmtdev1 chromium espeak-ng

# The scale-out demonstration (make cluster): HAProxy in front of app nodes, PostgreSQL primary + replica, Redis.
CLUSTER_APT := haproxy postgresql redis-server

SEED_CITIZENS ?= 10000
BIND ?= 127.0.0.1:5000
WORKERS ?= 2

.PHONY: run run-gunicorn kiosk kiosk-voice test test-sqlite test-postgres lint lint-check format fuzz load faults bench-seed bench-api bench-law bench-slow-clients bench-uploads bench-life-events bench-audit cluster cluster-failover clean sysdeps-run sysdeps-test sysdeps-cluster

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing Debian packages (install them as root):$$missing"; exit 1; fi; \
	fi
endef

sysdeps-run:
	$(call apt_install,$(RUN_APT))

sysdeps-test:
	$(call apt_install,$(TEST_APT))

sysdeps-cluster:
	$(call apt_install,$(CLUSTER_APT))

$(VENV)/.base: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e '.[face]'
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PIP) install -q -e '.[dev,kiosk,pcsc,face]'
	touch $@

# axe-core (npm) is injected into the consoles' pages by the e2e accessibility scan (tests/e2e/conftest.py).
AXE_VERSION := 4.14.1
# npm from Debian only when the machine has none (a NodeSource node brings its own and conflicts with Debian's).
$(VENV)/npm/node_modules/axe-core/axe.min.js:
	@command -v npm >/dev/null 2>&1 || $(MAKE) --no-print-directory sysdeps-npm
	npm install -s --prefix $(VENV)/npm axe-core@$(AXE_VERSION) --no-audit --no-fund

sysdeps-npm:
	$(call apt_install,npm)

run: sysdeps-run $(VENV)/.base
	$(VENV)/bin/flask --app backend db-upgrade
	$(VENV)/bin/flask --app backend seed-demo --if-empty --citizens $(SEED_CITIZENS)
	$(VENV)/bin/flask --app backend documents init-signing
	$(PY) -m backend.front.serve --listen $(BIND) --workers $(WORKERS) --demo

# gunicorn alone, without the buffering front (debugging only: slow clients can hold its threads).
run-gunicorn: sysdeps-run $(VENV)/.base
	$(VENV)/bin/gunicorn --config backend/gunicorn_conf.py --workers $(WORKERS) --bind $(BIND) 'backend:create_app()'

KIOSK_DATA ?= instance/kiosk
# The kiosk app against the local backend (`make run` in another terminal first). It enrolls once with the demo
# enrollment code that seed-demo keeps in instance/demo_enrollment_code (random, valid for a day; `make run`
# makes a new one when it expired). Headless smoke test: SDL_VIDEODRIVER=offscreen make kiosk KIOSK_ARGS=--smoke
kiosk: sysdeps-test $(VENV)/.dev kiosk-voice
	@grep -qs '"kiosk_id": "KSK-' $(KIOSK_DATA)/fleet_identity.json || \
	  CONGDAN_API_URL=http://$(BIND) CONGDAN_KIOSK_DATA=$(KIOSK_DATA) $(PY) -m kiosk_app \
	    --enroll "$$(cat instance/demo_enrollment_code 2>/dev/null)" || \
	  echo "not enrolled: using the demo kiosk account"
	CONGDAN_API_URL=http://$(BIND) CONGDAN_KIOSK_DATA=$(KIOSK_DATA) CONGDAN_SIMULATOR_PKI_DIR=instance/simulator-pki \
	  $(PY) -m kiosk_app $(KIOSK_ARGS)

# Vietnamese (and English) voice prompts as WAV files in kiosk_app/assets/voice/ (not in git; ~8 MB, ~3 s).
kiosk-voice: $(VENV)/.base
	@command -v espeak-ng >/dev/null || $(MAKE) --no-print-directory sysdeps-kiosk
	$(PY) -m kiosk_app.voice

sysdeps-kiosk:
	$(call apt_install,$(KIOSK_APT))

test: sysdeps-test $(VENV)/.dev $(VENV)/npm/node_modules/axe-core/axe.min.js
	$(MAKE) --no-print-directory lint-check test-sqlite test-postgres

# ruff (correctness rules, ruff.toml; one formatter: ruff format) and bandit (medium severity and up); each
# suppression says why inline. `make format` rewrites the tree in the house format.
lint-check:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -ll -r backend hardware shared_schemas kiosk_app

# The kiosk suite runs in a process of its own: Kivy keeps one window and one clock per process.
test-sqlite:
	$(VENV)/bin/pytest -q --ignore=tests/kiosk_app
	$(VENV)/bin/pytest -q tests/kiosk_app

# The backend suite again, against a throwaway PostgreSQL cluster the test run starts on loopback.
test-postgres:
	CONGDAN_TEST_DATABASE=postgresql $(VENV)/bin/pytest -q tests/backend tests/security

lint: $(VENV)/.dev lint-check

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The bigger schemathesis search (make test runs the same test with a few examples per operation).
fuzz: sysdeps-test $(VENV)/.dev
	CONGDAN_FUZZ_EXAMPLES=150 $(VENV)/bin/pytest -q tests/security/test_api_fuzz.py

# 60 s mixed workload against gunicorn + PostgreSQL + Redis started on loopback, then an overload phase.
load: sysdeps-test $(VENV)/.dev
	$(PY) bench/load.py

# The fault scenarios at full size (make test runs them CI-sized).
faults: sysdeps-test $(VENV)/.dev
	CONGDAN_FAULTS=full $(VENV)/bin/pytest -q -s tests/faults

# The slow-client attack (issue 12 #6) against gunicorn alone and behind nginx: citizen latency during each.
bench-slow-clients: sysdeps-test $(VENV)/.dev
	$(PY) bench/slow_clients.py

# Hostile and big uploads (issue 12 #5): refusal times, reader memory, citizen latency while a big file is planned.
bench-uploads: $(VENV)/.dev
	$(PY) bench/bench_uploads.py

bench-seed: $(VENV)/.base
	$(PY) bench/bench_seed.py --citizens 1000000

bench-api: $(VENV)/.base
	$(PY) bench/bench_api.py

bench-law: $(VENV)/.base
	$(PY) bench/bench_law.py

bench-life-events: $(VENV)/.base
	$(PY) bench/bench_life_events.py

# The citizen's access log over 10 million audit events in monthly partitions, end to end under gunicorn (PostgreSQL;
# the load is generated by the server in ~2 min; ~3.5 GB of disk).
bench-audit: sysdeps-test $(VENV)/.dev
	$(PY) bench/bench_audit.py

# Scale out (issue 21, docs/scaling.md): HAProxy + two gunicorn nodes + PostgreSQL primary/replica + Redis on
# loopback; steady load, one node killed mid-run, a rolling restart, the replica's lag. Stops everything after.
cluster: sysdeps-test sysdeps-cluster $(VENV)/.dev
	$(PY) bench/cluster.py

# The same cluster, then the primary dies and the replica is promoted: the steps, and the data before and after.
cluster-failover: sysdeps-test sysdeps-cluster $(VENV)/.dev
	$(PY) bench/cluster.py --failover

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
