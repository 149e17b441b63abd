# equitrial — the two commands a new engineer needs are `make run` and `make test`.
GO       ?= go
NPM      ?= npm
BIN      := bin/equitrial
ASSETS   := web/static
NHSUK    := web/node_modules/nhsuk-frontend/dist/nhsuk
SHARED   := ../shared

.PHONY: run test build web bench fuzz clean

## run: build the web assets, then serve on http://127.0.0.1:8080/ with an embedded
## database under ./data, seeded with demo data when it has none (on first run, the
## real postcode/deprivation sample in ../shared/refdata is loaded when present).
run: web
	@if [ ! -d data/db ] && [ -f $(SHARED)/refdata/onspd_sample_100k.csv ]; then \
	  echo "Loading the postcode and deprivation sample from $(SHARED)/refdata"; \
	  $(GO) run ./cmd/equitrial refdata load --postcodes $(SHARED)/refdata/onspd_sample_100k.csv \
	    --imd $(SHARED)/refdata/imd_uk_lsoa_deciles.csv --edition "IMD2019 (UK nations' indices)" \
	    $$([ -f $(SHARED)/refdata/lsoa11_centroids.csv ] && echo --centroids $(SHARED)/refdata/lsoa11_centroids.csv); \
	fi
	$(GO) run ./cmd/equitrial serve --demo

## test: vet and run every test (integration tests use an embedded FerretDB; tests that
## need ../shared skip with a message when it is absent).
test: web
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

build: web
	$(GO) build -o $(BIN) ./cmd/equitrial

## web: fetch nhsuk-frontend (and axe-core for accessibility tests) from npm and copy
## the built files the pages use, with equitrial's own (web/static-src), into
## web/static. Nothing fetched is committed.
web: $(ASSETS)/.built

$(ASSETS)/.built: web/package.json web/package-lock.json $(wildcard web/static-src/*)
	cd web && $(NPM) ci --no-audit --no-fund --loglevel=error
	mkdir -p $(ASSETS)/images
	cp $(NHSUK)/nhsuk-frontend.min.css $(ASSETS)/nhsuk.min.css
	cp $(NHSUK)/nhsuk-frontend.min.js $(ASSETS)/nhsuk.min.js
	cp $(NHSUK)/assets/images/* $(ASSETS)/images/
	cp web/node_modules/axe-core/axe.min.js $(ASSETS)/axe.min.js
	cp web/static-src/* $(ASSETS)/
	touch $@

## bench: the benchmarks whose figures are in docs/BENCHMARKS.md: the Go benchmarks,
## then `equitrial bench` at issue 11's sizes (100,000 studies, 1,000,000 patients:
## hours on 2 cores; run it on a quiet machine), which writes its figures into the
## generated section of docs/BENCHMARKS.md. BENCH_FLAGS chooses scenarios and sizes,
## e.g. make bench BENCH_FLAGS='--scenarios search,fts5 --studies 10000'.
BENCH_FLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...
	$(GO) build -o $(BIN) ./cmd/equitrial
	$(BIN) bench $(BENCH_FLAGS)

clean:
	rm -rf bin $(ASSETS) web/node_modules
