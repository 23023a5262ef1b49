# Figures over the offered rate, one line per system (and workload, mode,
# accelerator, machine), with 95% intervals: CPU time per query, guest
# instructions per query, latency p50 and p99, achieved against offered.
# Lines and error bars are separate plots because yerrorlines drops a
# point whose interval is NaN (a single repetition).
load "common.gp"
load outdir."/rate.vars"
data = outdir."/rate.csv"

set xlabel "offered rate (queries/s)"
set yrange [0:*]
set xrange [0:*]
# Room right of the highest rate, so its point and interval stay visible.
set offsets 0, graph 0.05, 0, 0

# Points that lost at least 1% of their queries carry the lost share, so
# a latency or rate read from the answered queries alone, or a per-query
# cost divided over queries that were never served, is not taken at face
# value.
lost_labels_on(ycol) = ", for [i=1:nseries] data index (i-1) using 'offered_qps':'".ycol."':(column('lost_pct') >= 1 ? sprintf('%.0f%% lost', column('lost_pct')) : '') with labels offset 0, 1.2 font ',8' tc rgb word(colors, i) notitle"
lost_labels = ", for [i=1:nseries] data index (i-1) using 'offered_qps':'lat_p99_us':(column('lost_pct') >= 1 ? sprintf('%.0f%% lost', column('lost_pct')) : '') with labels offset 0, 1.2 font ',8' tc rgb word(colors, i) notitle"
lost_labels_achieved = ", for [i=1:nseries] data index (i-1) using 'offered_qps':'achieved_qps':(column('lost_pct') >= 1 ? sprintf('%.0f%% lost', column('lost_pct')) : '') with labels offset 0, -1.2 font ',8' tc rgb word(colors, i) notitle"

# Interval bars are drawn only when some point has more than one
# repetition (have_ci), because a series of NaN intervals makes gnuplot
# warn once per series and format.

# Each figure sets its title, y label, whether it has data, its note and
# subtitle, and its plot command, then draws itself in every format.
do for [fig in "cpu-per-query insn-per-query latency achieved"] {
    unset logscale y
    set yrange [0:*]
    if (fig eq "cpu-per-query") {
        title_text = "CPU time per query against offered rate"
        set ylabel "CPU time per query (us): ".stat_label
        have = have_cpu; note = note_cpu; sub = subtitle
        plot_cmd = "plot for [i=1:nseries] data index (i-1) using 'offered_qps':'cpu_us_per_query' with linespoints lw 2 pt int(word(points, i)) ps 1 lc rgb word(colors, i) title word(titles, i)".(have_ci ? ", for [i=1:nseries] data index (i-1) using 'offered_qps':(column('cpu_us_per_query') - column('cpu_us_per_query_ci')):(0):(2 * column('cpu_us_per_query_ci')) with vectors heads size screen 0.006, 90 lc rgb word(colors, i) notitle" : "").lost_labels_on('cpu_us_per_query')
    }
    if (fig eq "insn-per-query") {
        title_text = "Guest instructions per query against offered rate"
        set ylabel "guest instructions per query: ".stat_label
        have = have_insn; note = note_insn; sub = subtitle_insn
        plot_cmd = "plot for [i=1:nseries] data index (i-1) using 'offered_qps':'insn_per_query' with linespoints lw 2 pt int(word(points, i)) ps 1 lc rgb word(colors, i) title word(titles, i)".(have_ci ? ", for [i=1:nseries] data index (i-1) using 'offered_qps':(column('insn_per_query') - column('insn_per_query_ci')):(0):(2 * column('insn_per_query_ci')) with vectors heads size screen 0.006, 90 lc rgb word(colors, i) notitle" : "").lost_labels_on('insn_per_query')
    }
    if (fig eq "latency") {
        title_text = "Response latency against offered rate"
        set ylabel "latency (us, log scale): p50 solid, p99 dashed; ".stat_label
        # p50 and p99 differ by orders of magnitude near saturation.
        set logscale y
        set yrange [*:*]
        have = have_lat; note = note_lat; sub = subtitle_lat
        plot_cmd = "plot for [i=1:nseries] data index (i-1) using 'offered_qps':'lat_p50_us' with linespoints lw 2 pt int(word(points, i)) ps 1 lc rgb word(colors, i) dt 1 title word(titles, i).' p50'".(have_ci ? ", for [i=1:nseries] data index (i-1) using 'offered_qps':(column('lat_p50_us') - column('lat_p50_us_ci')):(0):(2 * column('lat_p50_us_ci')) with vectors heads size screen 0.006, 90 lc rgb word(colors, i) notitle" : "").", for [i=1:nseries] data index (i-1) using 'offered_qps':'lat_p99_us' with linespoints lw 2 pt int(word(points, i)) ps 1 lc rgb word(colors, i) dt 2 title word(titles, i).' p99'".(have_ci ? ", for [i=1:nseries] data index (i-1) using 'offered_qps':(column('lat_p99_us') - column('lat_p99_us_ci')):(0):(2 * column('lat_p99_us_ci')) with vectors heads size screen 0.006, 90 lc rgb word(colors, i) notitle" : "").lost_labels
    }
    if (fig eq "achieved") {
        title_text = "Achieved against offered rate"
        set ylabel "achieved rate (answered queries/s): ".stat_label
        have = have_achieved; note = note_achieved; sub = subtitle_achieved
        plot_cmd = "plot x with lines lc rgb '#999999' dt 3 title 'achieved = offered', for [i=1:nseries] data index (i-1) using 'offered_qps':'achieved_qps' with linespoints lw 2 pt int(word(points, i)) ps 1 lc rgb word(colors, i) title word(titles, i)".(have_ci ? ", for [i=1:nseries] data index (i-1) using 'offered_qps':(column('achieved_qps') - column('achieved_qps_ci')):(0):(2 * column('achieved_qps_ci')) with vectors heads size screen 0.006, 90 lc rgb word(colors, i) notitle" : "").lost_labels_achieved
    }
    do for [fmt in formats] {
        eval (fmt eq "png" ? term_png : term_svg)
        set output outdir."/".fig.".".fmt
        subtitle_saved = subtitle
        subtitle = sub
        eval set_labels
        subtitle = subtitle_saved
        if (nseries == 0 || !have) {
            # An empty frame has y from 0, which a log scale rejects.
            unset logscale y
            eval empty_plot
            set xrange [0:*]
            set yrange [0:*]
        } else {
            eval plot_cmd
        }
        unset output
    }
}
