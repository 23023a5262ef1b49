# Energy per query for each system in mode paper: package energy over the
# phase, the share attributed to the server by its CPU time, and the idle
# baseline (idle package power times the phase's wall time).
load "common.gp"
load outdir."/energy.vars"
data = outdir."/energy.csv"
title_text = "Energy per DNS query, with the idle baseline"

set style fill solid 0.75 border -1
set yrange [0:*]
set xrange [-0.6:nrows - 0.4]
set ylabel "energy per query (mJ), mean and 95% CI"
set xtics rotate by -15 left
k = 3
set boxwidth cluster_width / k absolute

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output outdir."/energy.".fmt
    eval set_labels
    if (nrows == 0 || !(have_pkg || have_attr || have_idle)) {
        eval empty_plot
    } else {
        plot data using 0:(0):xticlabels(strcol("label")) with points pt 0 notitle, \
             "" using (bar_x($0, 1, k)):"pkg" with boxes title "package, whole phase" lc rgb "#4c72b0", \
             "" using (bar_x($0, 2, k)):"attr" with boxes title "attributed to the server by CPU time" lc rgb "#dd8452", \
             "" using (bar_x($0, 3, k)):"idle" with boxes title "idle baseline over the same time" lc rgb "#999999", \
             "" using (bar_x($0, 1, k)):(column("pkg") - column("pkg_ci")):(0):(2 * column("pkg_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
             "" using (bar_x($0, 2, k)):(column("attr") - column("attr_ci")):(0):(2 * column("attr_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
             "" using (bar_x($0, 3, k)):(column("idle") - column("idle_ci")):(0):(2 * column("idle_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle
    }
    unset output
}
