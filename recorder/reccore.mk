# recorder/reccore.mk: fdr-record's core (loop, attribution, rings, options)
# and the process source.
# The proc source's eBPF program: compiled with clang for the BPF target
# (never with the sanitizers), then embedded as a byte array so fdr-record
# needs no file at run time. CO-RE: no vmlinux.h, see recorder/bpf/proc.bpf.c.
BPF_CLANG ?= clang
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BPF_MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || $(CC) -dumpmachine)
PROC_BPF_OBJ := $(BUILD)/bpf/proc.bpf.o
PROC_BPF_GEN := $(BUILD)/gen/recorder/proc-bpf-obj.c
$(PROC_BPF_OBJ): recorder/bpf/proc.bpf.c recorder/bpf/proc-bpf-rec.h
	@mkdir -p $(@D)
	$(call quiet,BPF,$<)
	$(Q)$(BPF_CLANG) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I/usr/include/$(BPF_MULTIARCH) -O2 -g -Wall -Werror -c -o $@ $<
$(PROC_BPF_GEN): $(PROC_BPF_OBJ)
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)
	$(Q){ echo '/* generated from $< */'; echo '#include "recorder/proc-bpf.h"'; \
		echo 'const unsigned char proc_bpf_obj[] __attribute__((aligned(8))) = {'; \
		od -An -v -tx1 $< | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; \
		echo 'const size_t proc_bpf_obj_size = sizeof(proc_bpf_obj);'; } > $@.tmp && mv $@.tmp $@

RECORDER_SRCS += recorder/cgroup.c recorder/config.c recorder/procfs.c \
	recorder/proctab.c recorder/rings.c recorder/core.c recorder/src-proc.c \
	recorder/audit.c recorder/proc-bpf.c recorder/proc-bpf-decode.c \
	$(PROC_BPF_GEN)
PROGRAMS += fdr-record
fdr-record_SRCS := recorder/main.c recorder/sources.c
fdr-record_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fdr-record_LDLIBS := $(FORMATS_LDLIBS) -lbpf

UNIT_TESTS += test-proc-bpf
test-proc-bpf_SRCS := tests/recorder/test-proc-bpf.c
test-proc-bpf_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-proc-bpf_LDLIBS := -lcmocka

FUZZERS += fuzz-proc-bpf
fuzz-proc-bpf_SRCS := tests/fuzz/fuzz-proc-bpf.c
fuzz-proc-bpf_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-proc-bpf_LDLIBS :=
MANPAGES += docs/fdr-record.1

UNIT_TESTS += test-rec-cgroup test-rec-config test-rec-proctab test-rec-audit
test-rec-audit_SRCS := tests/recorder/test-rec-audit.c
test-rec-audit_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-audit_LDLIBS := -lcmocka
test-rec-cgroup_SRCS := tests/recorder/test-rec-cgroup.c
test-rec-cgroup_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-cgroup_LDLIBS := -lcmocka
test-rec-config_SRCS := tests/recorder/test-rec-config.c
test-rec-config_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-config_LDLIBS := -lcmocka
test-rec-proctab_SRCS := tests/recorder/test-rec-proctab.c
test-rec-proctab_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
test-rec-proctab_LDLIBS := -lcmocka

SCRIPT_TESTS += tests/recorder/attr.sh
SCRIPT_TESTS += tests/recorder/storm.sh
SCRIPT_TESTS += tests/recorder/kill9.sh tests/recorder/badinput.sh
SCRIPT_TESTS += tests/recorder/docker.sh tests/recorder/budget.sh
SCRIPT_TESTS += tests/recorder/netlink.sh
BENCH_SCRIPTS += bench/recorder-exec.sh

FUZZERS += fuzz-rec-parse
fuzz-rec-parse_SRCS := tests/fuzz/fuzz-rec-parse.c
fuzz-rec-parse_LIBS := $(RECORDER_LIB) $(FORMATS_LIB)
fuzz-rec-parse_LDLIBS :=
