# recorder/: Docker engine events and the Kubernetes audit webhook.
# Pure decoders (docker-events, docker-http, k8s-audit), the I/O modules
# (docker-client: unix-socket HTTP client; k8s-webhook: libmicrohttpd
# server) and the two fdr-record sources built on them.
DOCKERK8S_LDLIBS := -ljansson -lyajl -lmicrohttpd -lgnutls -lpthread

RECORDER_SRCS += recorder/docker-events.c recorder/docker-http.c \
	recorder/k8s-audit.c recorder/k8s-ev.c

UNIT_TESTS += test-docker test-k8s
# tests/docker/test-data.c: reading $FDR_SHARED/data, for both unit tests.
test-docker_SRCS := tests/docker/test-docker.c tests/docker/test-data.c
test-docker_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-docker_LDLIBS := -ljansson -lcmocka
# tests/k8s/k8s-ref.c: the jansson tree decoder the streaming one is
# checked against; tests only, not in the recorder library.
test-k8s_SRCS := tests/k8s/test-k8s.c tests/k8s/k8s-ref.c tests/docker/test-data.c
test-k8s_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-k8s_LDLIBS := -ljansson -lyajl -lcmocka

RECORDER_SRCS += recorder/k8s-webhook.c
UNIT_TESTS += test-k8s-webhook
test-k8s-webhook_SRCS := tests/k8s/test-k8s-webhook.c
test-k8s-webhook_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-k8s-webhook_LDLIBS := $(DOCKERK8S_LDLIBS) -lcmocka

RECORDER_SRCS += recorder/docker-client.c recorder/src-docker.c recorder/src-k8s.c
# reccore.mk (included after this file) sets fdr-record_LDLIBS with :=;
# a target-specific append survives that.
$(BINDIR)/fdr-record: fdr-record_LDLIBS += $(DOCKERK8S_LDLIBS)

# Test helpers (not installed): drivers of the I/O modules with their own
# loop, for script tests and the benchmark.
DOCKERK8S_HELPERS := $(BUILD)/tests/docker-tail
docker-tail_SRCS := tests/docker/docker-tail.c
docker-tail_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
docker-tail_LDLIBS := $(DOCKERK8S_LDLIBS)
-include $(patsubst %.c,$(BUILD)/obj/%.d,$(docker-tail_SRCS))

$(BUILD)/tests/docker-tail: $(call objs,$(docker-tail_SRCS)) $(docker-tail_LIBS)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(docker-tail_LIBS) $(docker-tail_LDLIBS)

tests test-run: $(DOCKERK8S_HELPERS)
SCRIPT_TESTS += tests/docker/docker-live.sh tests/docker/record.sh tests/docker/reconnect.sh \
	tests/k8s/webhook.sh tests/k8s/busy.sh tests/k8s/tls.sh

FUZZERS += fuzz-docker-events fuzz-docker-http fuzz-k8s-audit
fuzz-docker-events_SRCS := tests/fuzz/fuzz-docker-events.c
fuzz-docker-events_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-docker-events_LDLIBS := -ljansson
fuzz-docker-http_SRCS := tests/fuzz/fuzz-docker-http.c
fuzz-docker-http_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-docker-http_LDLIBS :=
fuzz-k8s-audit_SRCS := tests/fuzz/fuzz-k8s-audit.c tests/k8s/k8s-ref.c
fuzz-k8s-audit_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-k8s-audit_LDLIBS := -ljansson -lyajl

# Benchmark: webhook ingest (bench/k8s.sh) with its load client.
BENCH_SCRIPTS += bench/k8s.sh
k8s-load_SRCS := bench/k8s-load.c
$(BUILD)/bench/k8s-load: $(call objs,$(k8s-load_SRCS))
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) -ljansson
-include $(patsubst %.c,$(BUILD)/obj/%.d,$(k8s-load_SRCS))
bench-run: $(BUILD)/bench/k8s-load
