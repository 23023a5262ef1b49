# The paper's Fig. 4 redone: CPU seconds per 1000 queries, total, guest and
# host, for each system, as bars with their 95% intervals.
load "common.gp"
load outdir."/fig4.vars"
data = outdir."/fig4.csv"

set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.75 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "CPU time per 1000 queries (s), mean and 95% CI"
set xtics rotate by -15 left
title_text = "CPU time per 1000 DNS queries (IncludeOS paper, Fig. 4, redone)"

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output outdir."/fig4.".fmt
    eval set_labels
    if (!have_data) {
        eval empty_plot
    } else {
        if (have_guest && have_host) {
            plot data using "total":"total_ci":xticlabels(strcol("label")) title "total" lc rgb "#4c72b0", \
                 "" using "guest":"guest_ci" title "guest (in the vCPU)" lc rgb "#55a868", \
                 "" using "host":"host_ci" title "host (QEMU outside the vCPU)" lc rgb "#c44e52"
        } else {
            plot data using "total":"total_ci":xticlabels(strcol("label")) title "total" lc rgb "#4c72b0"
        }
    }
    unset output
}
