# Boot to ready, image size and resident memory per system, side by side.
load "common.gp"
load outdir."/system.vars"
data = outdir."/system.csv"
title_text = "Boot to ready, image size and memory per system"
note = note_boot.(strlen(note_boot) && strlen(note_image) ? "\n" : "").note_image.((strlen(note_boot) || strlen(note_image)) && strlen(note_mem) ? "\n" : "").note_mem

set style fill solid 0.75 border -1
set xtics rotate by -25 left font ",8"
set key inside top left reverse Left font ",8"
# Headroom above the tallest bar keeps the key clear of the bars.
set offsets 0, 0, graph 0.3, 0

# Draws an empty panel that says the metric is missing.
empty_panel = "set label 92 'not measured: see the note below' at graph 0.5, graph 0.5 center; set xrange [0:1]; set yrange [0:1]; unset xtics; unset ytics; plot NaN notitle; unset label 92; set autoscale x; set autoscale y; set xtics nomirror rotate by -25 left font ',8'; set ytics nomirror"

do for [fmt in formats] {
    eval (fmt eq "png" ? term_png : term_svg)
    set output outdir."/system.".fmt
    eval set_labels
    set multiplot layout 1, 3 margins 0.1, 0.95, 0.24, 0.86 spacing 0.09

    # Boot times span from milliseconds (native) to seconds (Linux guest).
    set ylabel "boot to ready (s, log scale), median over runs"
    set logscale y
    set yrange [*:*]
    set xrange [-0.6:nrows - 0.4]
    set boxwidth cluster_width absolute
    if (nrows > 0 && have_boot) {
        plot data using 0:(0):xticlabels(strcol("label")) with points pt 0 notitle, \
             "" using 0:"boot_ready_s" with boxes title "boot to ready" lc rgb "#4c72b0", \
             "" using 0:(column("boot_ready_s") - column("boot_ready_s_ci")):(0):(2 * column("boot_ready_s_ci")) with vectors heads size screen 0.006, 90 lc rgb "black" lw 1.5 notitle, \
             "" using 0:"boot_ready_s":(sprintf("%.3g s", column("boot_ready_s"))) with labels offset 0, 0.8 font ",8" notitle
    } else {
        unset logscale y
        eval empty_panel
    }
    set autoscale x
    set boxwidth 0.9 relative
    # The title, subtitle and note are drawn once, with the first panel.
    unset label 89
    unset label 90
    unset label 91

    set style data histogram
    set style histogram clustered gap 1
    set ylabel "image size (KiB, log scale)"
    set logscale y
    set yrange [1:*]
    if (nrows > 0 && have_image) {
        plot data using "image_kib":xticlabels(strcol("label")) title "image (kernel + initramfs for Linux)" lc rgb "#55a868", \
             "" using 0:"image_kib":(sprintf("%.0f", column("image_kib"))) with labels offset 0, 0.8 font ",8" notitle
    } else {
        unset logscale y
        eval empty_panel
    }

    unset logscale y
    set yrange [0:*]
    # Labels over the first bar of each cluster give the peak, so a bar
    # too small to see (the native server's) still has its value, and
    # over the third bar (k = 3, gap 1, so an offset of 1/4) the memory
    # above the empty QEMU in MiB, or "noise" within the noise estimate.
    set ylabel "resident memory (MiB)"
    if (nrows > 0 && have_mem) {
        plot data using "rss_peak_mib":xticlabels(strcol("label")) title "peak of the server process" lc rgb "#c44e52", \
             "" using "rss_empty_qemu_mib" title "empty QEMU, same settings" lc rgb "#999999", \
             "" using "rss_above_empty_mib" title "above the empty QEMU" lc rgb "#8172b3", \
             "" using ($0 - 0.25):"rss_peak_mib":(sprintf("%.3g", column("rss_peak_mib"))) with labels offset 0, 0.8 font ",8" notitle, \
             "" using ($0 + 0.25):(column("rss_above_empty_mib") > 0 ? column("rss_above_empty_mib") : 0):(strcol("rss_above_label")) with labels offset 0, 0.8 font ",8" notitle
    } else {
        eval empty_panel
    }
    unset multiplot
    unset output
}
