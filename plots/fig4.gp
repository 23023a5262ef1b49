# The paper's Fig. 4 redone: CPU seconds per 1000 queries, total, guest and
# host, for each system, as bars with their 95% intervals.
load "common.gp"
load outdir."/fig4.vars"
data = outdir."/fig4.csv"
title_text = "CPU time per 1000 DNS queries (IncludeOS paper, Fig. 4, redone)"

set style fill solid 0.75 border -1
set yrange [0:*]
set xrange [-0.6:nrows - 0.4]
set ylabel "CPU time per 1000 queries (s), mean and 95% CI"
set xtics rotate by -15 left
set key inside top right
# Under KVM the total splits into guest and host time as in the paper;
# under TCG guest_time is 0, and QEMU's vCPU thread against its other
# threads is drawn instead where the harness measured it.
split = (have_guest && have_host) ? 1 : ((have_vcpu && have_io) ? 2 : 0)
k = split ? 3 : 1
set boxwidth cluster_width / k absolute

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output outdir."/fig4.".fmt
    eval set_labels
    if (!have_data || !have_total) {
        eval empty_plot
    } else {
        if (split == 1) {
            plot data using 0:(0):xticlabels(strcol("label")) with points pt 7 ps 0 notitle, \
                 "" using (bar_x($0, 1, k)):"total" with boxes title "total" lc rgb "#4c72b0", \
                 "" using (bar_x($0, 2, k)):"guest" with boxes title "guest (in the vCPU)" lc rgb "#55a868", \
                 "" using (bar_x($0, 3, k)):"host" with boxes title "host (QEMU outside the vCPU)" lc rgb "#c44e52", \
                 "" using (bar_x($0, 1, k)):(column("total") - column("total_ci")):(0):(2 * column("total_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
                 "" using (bar_x($0, 2, k)):(column("guest") - column("guest_ci")):(0):(2 * column("guest_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
                 "" using (bar_x($0, 3, k)):(column("host") - column("host_ci")):(0):(2 * column("host_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle
        } else {
        if (split == 2) {
            plot data using 0:(0):xticlabels(strcol("label")) with points pt 7 ps 0 notitle, \
                 "" using (bar_x($0, 1, k)):"total" with boxes title "total" lc rgb "#4c72b0", \
                 "" using (bar_x($0, 2, k)):"vcpu" with boxes title "QEMU vCPU thread (TCG)" lc rgb "#8172b3", \
                 "" using (bar_x($0, 3, k)):"io" with boxes title "other QEMU threads (I/O, networking)" lc rgb "#937860", \
                 "" using (bar_x($0, 1, k)):(column("total") - column("total_ci")):(0):(2 * column("total_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
                 "" using (bar_x($0, 2, k)):(column("vcpu") - column("vcpu_ci")):(0):(2 * column("vcpu_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
                 "" using (bar_x($0, 3, k)):(column("io") - column("io_ci")):(0):(2 * column("io_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle
        } else {
            plot data using 0:(0):xticlabels(strcol("label")) with points pt 7 ps 0 notitle, \
                 "" using (bar_x($0, 1, k)):"total" with boxes title "total" lc rgb "#4c72b0", \
                 "" using (bar_x($0, 1, k)):(column("total") - column("total_ci")):(0):(2 * column("total_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle
        }
        }
    }
    unset output
}
