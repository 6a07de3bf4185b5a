# quytrinh: `make run` starts the whole app on the embedded default; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test bench check assets

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m config.embedded

test: install
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m bench

# The pages' browser code (htmx, the bpmn-js viewer, axe-core for the browser tests) from the npm
# versions pinned in package-lock.json, built into web/static/web/vendor/ (committed: `make run` and
# CI need no Node). Needs Node and npm.
assets:
	npm ci --no-audit --no-fund
	npm run build

# Django's system checks, the import contracts (docs/ARCHITECTURE.md), ruff and mypy: all must be clean.
check: install
	$(PY) manage.py check --fail-level WARNING
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Vietnamese. Each app's <app>/locale/vi/LC_MESSAGES/django.po is the source of truth: this
# re-extracts the msgids the app's code uses into it (makemessages: new ones untranslated or
# fuzzy, gone ones dropped; a msgid that moved from another app keeps the translation it had
# there), then recompiles the django.mo committed beside it, so `make run` needs no gettext.
# Needs GNU gettext (xgettext, msgmerge, msgfmt: `apt-get install gettext`). Translate what it
# reports untranslated or fuzzy (and drop the fuzzy flag), run it again, commit both files;
# tests/test_translations.py checks all of this. A new app with messages goes into I18N_APPS.
I18N_APPS := engine processes directory forms signing documents exchange outgoing api web operations
I18N_CATALOGS = $(wildcard $(I18N_APPS:%=%/locale/vi/LC_MESSAGES/django.po))

.PHONY: messages
messages: install
	@command -v xgettext > /dev/null || { echo "make messages needs GNU gettext: apt-get install gettext"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	touch "$$tmp/known.po"; \
	if [ -n "$(I18N_CATALOGS)" ]; then \
	    msgcat --use-first -o - $(I18N_CATALOGS) | msgattrib --translated --no-fuzzy -o "$$tmp/known.po" -; \
	fi; \
	for app in $(I18N_APPS); do \
	    po=$$app/locale/vi/LC_MESSAGES/django.po; \
	    mkdir -p $$app/locale; \
	    if [ -f $$po ]; then cp -p $$po "$$tmp/$$app.po"; fi; \
	    (cd $$app && env -u DJANGO_SETTINGS_MODULE $(abspath $(PY)) -m django makemessages -l vi \
	        --no-obsolete --add-location=file -v0); \
	    [ -f $$po ] || continue; \
	    msgmerge -q --backup=none --previous --add-location=file --no-fuzzy-matching \
	        --compendium="$$tmp/known.po" -U $$po $$po; \
	    if [ -f "$$tmp/$$app.po" ] && diff -q -I '^"POT-Creation-Date: ' "$$tmp/$$app.po" $$po > /dev/null; then \
	        cp -p "$$tmp/$$app.po" $$po; \
	    fi; \
	    (cd $$app && env -u DJANGO_SETTINGS_MODULE $(abspath $(PY)) -m django compilemessages -l vi -v0); \
	    printf '%s: ' $$po; msgfmt --statistics -o /dev/null $$po 2>&1; \
	done
