# Energy per query for each system in mode paper: package energy over the
# phase, the share attributed to the server by its CPU time, and the idle
# baseline (idle package power times the phase's wall time).
load "common.gp"
load outdir."/energy.vars"
data = outdir."/energy.csv"
title_text = "Energy per DNS query, with the idle baseline"

set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.75 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "energy per query (mJ), mean and 95% CI"
set xtics rotate by -15 left

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output outdir."/energy.".fmt
    eval set_labels
    if (nrows == 0 || !(have_pkg || have_attr || have_idle)) {
        eval empty_plot
    } else {
        plot data using "pkg":"pkg_ci":xticlabels(strcol("label")) title "package, whole phase" lc rgb "#4c72b0", \
             "" using "attr":"attr_ci" title "attributed to the server by CPU time" lc rgb "#dd8452", \
             "" using "idle":"idle_ci" title "idle baseline over the same time" lc rgb "#999999"
    }
    unset output
}
