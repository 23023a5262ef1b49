# Settings shared by every figure script. Each script is run as
#   gnuplot -e "outdir='DIR'" plots/NAME.gp
# after ukreport has written DIR/NAME.csv and DIR/NAME.vars; it draws
# DIR/FIGURE.png and DIR/FIGURE.svg. Data columns are read by name.
set datafile separator comma
set datafile columnheaders
set datafile missing "NaN"

term_png = "set terminal pngcairo noenhanced size 1100,700 font 'DejaVu Sans,11'"
term_svg = "set terminal svg noenhanced size 1100,700 font 'DejaVu Sans,11' background '#ffffff'"
formats = "png svg"

set tmargin 6
set bmargin 9
set key outside right top
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror

# Draws the title, the subtitle (host, accelerator, method) under it, and
# the note naming every metric left out, in red under the plot (ukreport
# keeps a note to 4 lines so that it fits). Scripts set the strings
# title_text, subtitle and note first.
set_labels = "set label 89 title_text at screen 0.5, screen 0.955 center font ',14'; set label 90 subtitle at screen 0.5, screen 0.915 center font ',9'; set label 91 note at screen 0.01, screen 0.09 left front font ',10' tc rgb '#b00000'"

# Draws an empty frame with no tics, for a figure with nothing to draw,
# so that no axis suggests a value of 0; the note says what is missing.
empty_plot = "set label 92 'nothing to draw: see the note below' at graph 0.5, graph 0.5 center font ',12'; set xrange [0:1]; set yrange [0:1]; unset xtics; unset ytics; plot NaN notitle; unset label 92; set autoscale x; set autoscale y; set xtics nomirror; set ytics nomirror"

# Bars are drawn as boxes at computed positions rather than as a gnuplot
# histogram, because a histogram with error bars drops a bar whose
# interval is NaN (a single repetition), and the mean must still show.
# bar_x gives the centre of bar j (from 1) of k in the cluster of row x0.
cluster_width = 0.8
bar_x(x0, j, k) = x0 + (j - (k + 1) / 2.0) * cluster_width / k
