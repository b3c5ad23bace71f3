# Homeward: `make run` brings the whole system up, `make test` runs every test.
# Both install what they need (uv, Python packages, PostgreSQL, Kafka, Keycloak) on a fresh machine.

SHELL := /bin/bash
UV := python3 -m uv
export UV_LINK_MODE := copy

.PHONY: help setup infra-up infra-down infra-reset infra-status browser app-deps app app-test app-lint run test test-unit lint format docs faults demo

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: ## Python 3.11 environment from the lock file (installs uv from PyPI once)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --root-user-action=ignore 'uv>=0.5,<1'
	$(UV) sync --frozen --quiet

infra-up: setup ## start PostgreSQL, Kafka and Keycloak (installs them once), with a role and schema per service
	bash deploy/local/infra.sh up

infra-down: ## stop Keycloak, Kafka and PostgreSQL
	bash deploy/local/infra.sh down

infra-reset: ## stop Kafka, remove its local data (every topic), start it empty
	bash deploy/local/kafka.sh reset

infra-status:
	bash deploy/local/infra.sh status

browser: ## Debian's chromium and a Khmer font, for the browser tests (installs them once)
	@command -v chromium >/dev/null && fc-list :lang=km family | grep -q . || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-khmeros >/dev/null; }

APP := services/web/app
# npm ci only when the lock changed since the last install (its hash is kept in node_modules).
app-deps:
	@cd $(APP) && want=$$(sha256sum package-lock.json | cut -c1-64) && \
		if [ "$$(cat node_modules/.homeward-lock 2>/dev/null)" != "$$want" ]; then \
			npm ci --no-audit --no-fund --loglevel=error && echo "$$want" > node_modules/.homeward-lock; fi

app: app-deps ## the web app: npm ci (when the lock changed) and npm run build, into services/web/app/dist
	cd $(APP) && npm run --silent build

app-test: app ## the web app's unit tests (Vitest); app first, which the browser tests need
	cd $(APP) && npm run --silent test

app-lint: app-deps ## the web app's typecheck and ESLint
	cd $(APP) && npm run --silent typecheck && npm run --silent lint

run: infra-up app ## every service on fixed local ports, Keycloak for logins; Ctrl-C stops them all
	$(UV) run --frozen homeward token keygen >/dev/null
	@bash deploy/local/login-help.sh
	$(UV) run --frozen honcho -f deploy/local/Procfile -d . start

# HOMEWARD_REQUIRE_KEYCLOAK: the tests that log in at Keycloak fail here if it does not
# answer; a bare `pytest` skips them instead.
test: infra-up browser app-test ## every test: unit, wiring, integration over the real broker, database and Keycloak, browser
	HOMEWARD_REQUIRE_KEYCLOAK=1 $(UV) run --frozen pytest

test-unit: setup
	$(UV) run --frozen pytest -m "not integration"

lint: setup app-lint ## ruff check and format check; the web app's typecheck and ESLint
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: setup
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

docs: setup ## regenerate docs/: AsyncAPI documents, event catalogue (events.md), OpenAPI per service
	$(UV) run --frozen python -m tools.gendocs
	$(UV) run --frozen python -m homeward_shared.policy > docs/policy.md

demo: setup ## a year of synthetic cases through every service's HTTP API (needs `make run`), then the impact report
	$(UV) run --frozen python -m tools.demo

faults: infra-up ## the fault harness at full size: 1,000 cases; processes killed, broker and database restarted
	$(UV) run --frozen python -m tests.faults.harness --cases 1000 --seed 7 --concurrency 32 \
		--kills-per-service 3 --terms-per-service 1 --broker-restarts 3 --postgres-restarts 3

.PHONY: bench bench-kafka-raw bench-handwritten bench-handoff bench-profile-handoff bench-latency-legs bench-dashboard-rebuild bench-pathway bench-profile-http-front bench-web

bench: infra-up ## every benchmark against its raw baseline measured in the same run; one table
	$(UV) run --frozen python -m bench

bench-kafka-raw: infra-up ## raw baseline: Kafka alone (msgs/s, latency at 100/s)
	$(UV) run --frozen python -m bench.kafka_raw

bench-handwritten: infra-up ## raw baseline: the hand-off written by hand (aiokafka + asyncpg)
	$(UV) run --frozen python -m bench.handwritten

bench-handoff: infra-up ## Homeward's hand-off path alone (make bench adds the baselines)
	$(UV) run --frozen python -m bench.handoff --alone 1

bench-dashboard-rebuild: infra-up ## the dashboard's rebuild from the stage topic (events/s)
	$(UV) run --frozen python -m bench.dashboard_rebuild

bench-pathway: infra-up ## the whole pathway (cases/s) and the HTTP front under load (reports/s)
	$(UV) run --frozen python -m bench.pathway

bench-profile-http-front: infra-up ## statements and their time per HTTP call while reports are filed
	$(UV) run --frozen python -m bench.profile_http_front

bench-profile-handoff: infra-up ## pyinstrument profile of the hand-off path, into bench/results/
	$(UV) run --frozen python -m bench.profile_handoff

bench-latency-legs: infra-up ## hand-off latency at 100/s leg by leg (relay, broker, consumer)
	$(UV) run --frozen python -m bench.latency_legs

bench-web: infra-up ## the web service's added latency: a call through the BFF against the service directly (p50, p99)
	$(UV) run --frozen python -m bench.web_proxy
