# The two commands of README.md: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# Production-shaped settings for `check --deploy`; the secret is a throwaway.
DEPLOY_ENV := DEBUG=false ALLOWED_HOSTS=feedback.example.com SECRET_KEY=throwaway-deploy-check-key-0123456789abcdefghijklmnopqrstuvwxyz

.PHONY: run test browser imap-server lint format translations messages bench bench-smoke clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	$(PY) manage.py compile_translations

## Start the product on embedded defaults: web on :8000, Celery worker and beat on a filesystem broker.
run: $(VENV)/.runtime translations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py train_classifier --if-missing
	$(PY) manage.py seed_demo
	$(VENV)/bin/honcho start --port 8000

## Every check: lint, migrations, the deploy check under production settings, and the test suite.
test: $(VENV)/.dev translations browser imap-server
	mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(PY) -m pytest

## The browser tests' Chromium: Debian's (installed when we are root), else Playwright's own build.
browser: $(VENV)/.dev
	@scripts/ensure-browser $(VENV)

## The inbound-mailbox tests' IMAP server: Debian's Dovecot (installed when we are root); the tests run a private one.
imap-server:
	@scripts/ensure-dovecot

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Re-extract translatable strings into the .po files (needs GNU gettext).
messages: $(VENV)/.runtime
	$(PY) manage.py makemessages --locale zh_Hans --locale ja --ignore '.venv/*' --ignore 'var/*'

bench: $(VENV)/.dev
	$(PY) manage.py evaluate_classifier
	@ls benchmarks/*.py 2>/dev/null | grep -v '/_' | while read -r script; do echo "== $$script"; $(PY) $$script || exit 1; done

## Every benchmark at a tiny size (seconds), so one that rots fails CI; figures printed, never asserted.
bench-smoke: $(VENV)/.dev
	$(PY) benchmarks/_smoke.py

clean:
	rm -rf var/db.sqlite3 var/celery var/mail
