# Placeholder: measurement sources (procstat, perf, RAPL, CSV, TCG plugin).
