/*
 * plot.c - the W2 chart: aggregate append rate against producer threads,
 * log scale, one line per system. Drawn by gnuplot when it is installed,
 * from a data file and a script written beside the chart (so the chart can
 * be redrawn or restyled by hand).
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool have_gnuplot(void)
{
	int st = system("command -v gnuplot >/dev/null 2>&1");
	if (st == -1)
		die("system: %s", strerror(errno));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static FILE *create(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		die("cannot create %s: %s", path, strerror(errno));
	return f;
}

static void finish(FILE *f, const char *path, bool ok)
{
	if (!ok || ferror(f) || fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

/* One row per thread count; "?" where a system was not measured. */
static void write_data(const char *path, const plot_data *d)
{
	FILE *f = create(path);
	bool ok = fprintf(f, "# threads") >= 0;
	for (size_t s = 0; s < d->nseries; s++)
		ok = ok && fprintf(f, "\t\"%s\"", d->title[s]) >= 0;
	ok = ok && fputc('\n', f) != EOF;
	for (size_t i = 0; i < d->npoints; i++) {
		ok = ok && fprintf(f, "%g", d->x[i]) >= 0;
		for (size_t s = 0; s < d->nseries; s++)
			ok = ok && (isnan(d->y[s][i]) ? fputs("\t?", f) >= 0
			                              : fprintf(f, "\t%.1f", d->y[s][i]) >= 0);
		ok = ok && fputc('\n', f) != EOF;
	}
	finish(f, path, ok);
}

static void write_script(const char *path, const char *data, const char *png,
                         const plot_data *d)
{
	/* Solid lines for offlog, dashed for the baselines. */
	static const char *const styles[] = {
		"lw 3 lc rgb '#1f77b4' pt 7",          "lw 3 lc rgb '#17becf' pt 5",
		"lw 2 lc rgb '#2ca02c' pt 9",          "lw 2 dt 2 lc rgb '#7f7f7f' pt 4",
		"lw 2 dt 2 lc rgb '#ff7f0e' pt 6",     "lw 2 dt 2 lc rgb '#d62728' pt 8",
		"lw 2 dt 3 lc rgb '#e377c2' pt 10",    "lw 2 dt 4 lc rgb '#8c564b' pt 12"};
	FILE *f = create(path);
	bool ok = fprintf(f,
	                  "set terminal pngcairo size 1000,620 font 'sans,11'\n"
	                  "set output '%s'\n"
	                  "set title 'W2: producers each waiting for its own ack (128 B records, "
	                  "batch 1)'\n"
	                  "set xlabel 'producer threads'\n"
	                  "set ylabel 'records/s, all threads (log scale)'\n"
	                  "set logscale xy\n"
	                  "set format y '%%.0s%%c'\n"
	                  "set grid xtics ytics mytics\n"
	                  "set key outside right center box\n"
	                  "set datafile missing '?'\n"
	                  "set xtics (",
	                  png) >= 0;
	for (size_t i = 0; i < d->npoints; i++)
		ok = ok && fprintf(f, "%s'%g' %g", i ? ", " : "", d->x[i], d->x[i]) >= 0;
	ok = ok && fprintf(f, ")\nset xrange [%g:%g]\nplot ", d->x[0] * 0.8,
	                   d->x[d->npoints - 1] * 1.25) >= 0;
	for (size_t s = 0; s < d->nseries; s++)
		ok = ok && fprintf(f, "%s'%s' using 1:%zu with linespoints %s title '%s'",
		                   s ? ", \\\n     " : "", data, s + 2, styles[s % 8], d->title[s]) >= 0;
	ok = ok && fputc('\n', f) != EOF;
	finish(f, path, ok);
}

void plot_w2(const char *dir, const plot_data *d)
{
	char data[4096], script[4096], png[4096];
	if (!have_gnuplot()) {
		printf("chart: skipped, gnuplot is not installed (apt-get install gnuplot-nox)\n");
		return;
	}
	if (d->npoints == 0 || d->nseries == 0)
		die("chart: nothing to draw");
	if (snprintf(data, sizeof data, "%s/w2-threads.dat", dir) >= (int)sizeof data ||
	    snprintf(script, sizeof script, "%s/w2-threads.gp", dir) >= (int)sizeof script ||
	    snprintf(png, sizeof png, "%s/w2-threads.png", dir) >= (int)sizeof png)
		die("chart: directory name too long: %s", dir);
	if (strchr(dir, '\''))
		die("chart: cannot quote the directory name for gnuplot: %s", dir);
	write_data(data, d);
	write_script(script, data, png, d);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("chart: gnuplot %s failed (status %d)", script, st);
	printf("chart: %s\n", png);
}
