# tui/: fdr-tui.
