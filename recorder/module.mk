# recorder/: fdr-record (sources, attribution, rings).
