# replay/: the analysis library and fdr-replay.
