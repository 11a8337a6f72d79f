# tui/: fdr-tui, the incident responder's terminal UI over the replay library.
# tm.c is the model (no curses, unit tested), tv.c the views (draw into a
# cell grid, no curses either), fdr-tui.c the curses front end and batch mode.
TUI_SRCS := tui/tm.c tui/tv.c

PROGRAMS += fdr-tui
fdr-tui_SRCS := tui/fdr-tui.c $(TUI_SRCS)
fdr-tui_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fdr-tui_LDLIBS := $(FORMATS_LDLIBS) -lpthread -lncursesw
MANPAGES += docs/fdr-tui.1

UNIT_TESTS += test-tui-model
test-tui-model_SRCS := tests/tui/test-tui-model.c $(TUI_SRCS)
test-tui-model_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
test-tui-model_LDLIBS := $(FORMATS_LDLIBS) -lpthread -lcmocka

SCRIPT_TESTS += tests/tui/tmux.sh tests/tui/batch.sh tests/tui/live.sh tests/tui/mouse.sh
BENCH_SCRIPTS += bench/tui.sh

# Test tool: a ring with terminal escape sequences in every string (not installed).
TUIGEN := $(BUILD)/tools/fdr-tuigen
$(TUIGEN): $(call objs,tests/tui/tuigen.c) $(FORMATS_LIB)
	@mkdir -p $(@D)
	$(call quiet,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(FORMATS_LDLIBS)
tests: $(TUIGEN)

# Random key sequences through the views (no terminal), over rings it writes.
FUZZERS += fuzz-tui-keys
fuzz-tui-keys_SRCS := tests/fuzz/fuzz-tui-keys.c $(TUI_SRCS)
fuzz-tui-keys_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fuzz-tui-keys_LDLIBS := $(FORMATS_LDLIBS) -lpthread

# The string-table pushdown against per-event evaluation.
FUZZERS += fuzz-tui-pushdown
fuzz-tui-pushdown_SRCS := tests/fuzz/fuzz-tui-pushdown.c
fuzz-tui-pushdown_LIBS := $(REPLAY_LIB) $(FORMATS_LIB)
fuzz-tui-pushdown_LDLIBS := $(FORMATS_LDLIBS) -lpthread
