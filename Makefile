# Two set-up commands work on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CONSTRAINTS := requirements.lock

.PHONY: demo test test-fast lint format install install-dev lock serve check clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	$(PIP) install -q -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(VENV)/bin/python
	$(PIP) install -q -c $(CONSTRAINTS) -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Installs, migrates, loads the reference page and officials, prints the editor login,
# serves http://127.0.0.1:8000/ on the embedded SQLite database.
demo: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 PUBLISH_QUEUE=0 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 PUBLISH_QUEUE=0 $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite; set DATABASE_URL=postgres://... to run it on PostgreSQL.
test: install-dev
	$(PY) -m pytest -n 2 --dist loadfile

# The quick local loop: everything but the tests marked slow (CI runs them all).
test-fast: install-dev
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow"

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install-dev
	DJANGO_SECRET_KEY=check-only $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SECRET_KEY=check-only $(PY) manage.py check

# Re-pin every dependency to what is installed now (after a deliberate upgrade).
lock: install-dev
	$(PIP) freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)

clean:
	rm -rf $(VENV) var/static
