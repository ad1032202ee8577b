# HALO: two set-up commands on a fresh machine -- `make demo` and `make test`.
# Both create (or reuse) the virtual environment at .venv from pyproject.toml + constraints.txt.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.halo-installed
export DAGSTER_HOME ?= $(CURDIR)
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: demo test test-slow ui daemon bench system-deps sample lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=24"
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	$(PY) -m pip check
	@touch $@

# System tools the tests use: ffprobe (ground truth for probing), flite (sample generation),
# chromium (the e2e browser test) and rabbitmq-server (the Celery broker of the distributed tests).
# The main job itself needs none of them (PyAV bundles FFmpeg).
system-deps:
	@missing=""; for t in ffprobe:ffmpeg flite:flite redis-server:redis-server chromium:chromium rabbitmq-server:rabbitmq-server; do \
	  command -v $${t%%:*} >/dev/null || missing="$$missing $${t##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "note: missing system tools:$$missing (tests that need them are skipped; install with apt-get install$$missing)"; fi; \
	fi

demo: $(STAMP)
	$(PY) -m halo demo

test: $(STAMP) system-deps
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: $(STAMP) system-deps
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

# Webserver + daemon (sensors, schedule, run monitoring, library_costs automation) on this instance.
ui: $(STAMP)
	$(VENV)/bin/dg dev --host 127.0.0.1 --port $(or $(PORT),3000)

# The daemon alone, e.g. beside a webserver started elsewhere on the same instance.
daemon: $(STAMP)
	$(VENV)/bin/dagster-daemon run -w workspace.yaml

BENCHES ?= ingest speech chunking cache costs qa chapters
bench: $(STAMP) system-deps
	@for b in $(BENCHES); do echo "=== bench_$$b"; $(PY) -m bench.bench_$$b || exit 1; done

# The headline table (issue 12 item 7): hour-long meetings end to end; writes bench/results/latest.{md,json}.
.PHONY: bench-headline
bench-headline: $(STAMP) system-deps
	$(PY) -m bench.bench_headline $(HEADLINE_ARGS)

sample: $(STAMP) system-deps
	$(PY) -m bench.samplegen --out data/samples/meeting.mp4

clean:
	-$(PY) -m halo cache stop
	rm -rf data/parquet data/media data/dagster data/registry.json data/cache
