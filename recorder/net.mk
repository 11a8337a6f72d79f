# recorder/net*: the network source (libpcap): dissector, DNS decoder, flow
# table (pure C, tested offline on real captures) and src-net.c, the glue to
# fdr-record's core (recorder/rec-source.h).
RECORDER_SRCS += recorder/net-dissect.c recorder/net-dns.c recorder/net-flow.c \
	recorder/net-attr.c recorder/net-bpf.c recorder/net-cap.c \
	recorder/src-net.c
NET_LDLIBS := -lpcap
# fdr-record is declared by recorder/reccore.mk (read after this file): a
# target-specific append reaches its link command whatever the order.
$(BINDIR)/fdr-record: fdr-record_LDLIBS += $(NET_LDLIBS)

UNIT_TESTS += test-net-dissect test-net-flow test-net-attr
test-net-dissect_SRCS := tests/net/test-net-dissect.c tests/net/pcap-util.c
test-net-dissect_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-net-dissect_LDLIBS := -lcmocka $(NET_LDLIBS) $(FORMATS_LDLIBS)
test-net-flow_SRCS := tests/net/test-net-flow.c tests/net/pcap-util.c
test-net-flow_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-net-flow_LDLIBS := -lcmocka $(NET_LDLIBS) $(FORMATS_LDLIBS)
test-net-attr_SRCS := tests/net/test-net-attr.c
test-net-attr_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-net-attr_LDLIBS := -lcmocka $(NET_LDLIBS) $(FORMATS_LDLIBS)

FUZZERS += fuzz-net
fuzz-net_SRCS := tests/fuzz/fuzz-net.c
fuzz-net_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-net_LDLIBS := $(FORMATS_LDLIBS)

# net-tool drives the modules without fdr-record (tests/net/*.sh, bench/net.sh).
NET_TOOL := $(BUILD)/tests/net-tool
BENCH_SCRIPTS += bench/net.sh bench/net-live.sh
SCRIPT_TESTS += tests/net/replay.sh tests/net/live.sh tests/net/record.sh tests/net/many.sh
bench-run test-run: $(NET_TOOL)
$(NET_TOOL): $(call objs,tests/net/net-tool.c tests/net/pcap-util.c) $(RECORDER_LIB) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(RECORDER_LIB) $(FORMATS_LIB) \
		$(NET_LDLIBS) $(FORMATS_LDLIBS)
# its header dependencies (ALL_SRCS knows only programs, tests and fuzzers)
-include $(BUILD)/obj/tests/net/net-tool.d
