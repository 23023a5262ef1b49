/*
 * `ukbench run`: boots every system of the profile and measures boot,
 * idle, paper-mode repetitions, an open-loop rate sweep and a dnsperf run,
 * in that order. The paper-mode repetitions alternate the systems rep by
 * rep, as the IncludeOS paper did. Each phase becomes one CSV row, and a
 * summary table ends the run.
 */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "csv.h"
#include "dnsperf.h"
#include "interrupt.h"
#include "loadgen.h"
#include "netns.h"
#include "options.h"
#include "phase.h"

#define MAX_TARGETS 3
#define MAX_RATES 16
#define EMPTY_QEMU_BOOTS 3

struct profile {
    const char *name;
    int reps;           /* paper-mode repetitions per system */
    int queries;        /* lookups per repetition */
    const char *rates;  /* offered rates of the sweep, queries/s */
    double rate_s;      /* duration of each rate step */
    double idle_s;      /* quiet phase after boot */
    int warmup;         /* queries made and discarded after boot */
    double dnsperf_qps; /* dnsperf rate, 0: no dnsperf phase */
    double dnsperf_s;
    double query_timeout_s;
};

/*
 * default took about 3 minutes on a 2-core TCG host (three boots, 20 x
 * 1000 lookups, a short sweep), well inside 15; paper is the full
 * protocol of 100 x 1000.
 */
static const struct profile profiles[] = {
    {"tiny", 2, 20, "100", 1.0, 0.5, 10, 100, 1.0, 1.0},
    {"default", 20, 1000, "200,500,1000,2000,5000,10000", 3.0, 2.0, 100, 1000,
     3.0, 1.0},
    {"paper", 100, 1000, "200,500,1000,2000,5000,10000", 5.0, 5.0, 100, 1000,
     5.0, 1.0},
};

struct run {
    struct run_options o;
    struct profile prof;
    struct run_context rc;
    struct target targets[MAX_TARGETS];
    int ntargets;
    double rates[MAX_RATES];
    int nrates;
    char run_dir[2048];
    int tty;
    double t_start;
    int steps_done, steps_total;
    struct netns ns; /* --net tap */
    int netns_on;
};

/* ---- progress --------------------------------------------------------- */

static void progress(struct run *r, const char *what, const struct target *t,
                     int rep)
{
    double elapsed = system_now() - r->t_start;
    double left = r->steps_done > 0 ? elapsed / r->steps_done *
                                          (r->steps_total - r->steps_done)
                                    : 0;

    if (!r->tty)
        return;
    fprintf(stderr, "\r\033[K%s %s", what, t ? system_kind_name(t->kind) : "");
    if (rep > 0)
        fprintf(stderr, " rep %d", rep);
    fprintf(stderr, "  elapsed %.0f s", elapsed);
    if (r->steps_done > 0)
        fprintf(stderr, ", about %.0f s left", left);
}

static void progress_done(struct run *r)
{
    if (r->tty)
        fprintf(stderr, "\r\033[K");
}

static int stop_requested(void)
{
    return interrupt_requested() != 0;
}

/* ---- set-up ----------------------------------------------------------- */

static int resolve_profile(struct run *r, char *err, size_t errlen)
{
    const char *p;

    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (strcmp(profiles[i].name, r->o.profile) == 0)
            r->prof = profiles[i];
    if (r->o.reps)
        r->prof.reps = r->o.reps;
    if (r->o.queries)
        r->prof.queries = r->o.queries;
    if (r->o.rates)
        r->prof.rates = r->o.rates;
    if (r->o.rate_s > 0)
        r->prof.rate_s = r->o.rate_s;
    if (r->o.no_dnsperf || strcmp(r->o.workload, "dns") != 0)
        r->prof.dnsperf_qps = 0;

    p = r->prof.rates;
    while (*p) {
        char *end;

        if (r->nrates == MAX_RATES) {
            snprintf(err, errlen, "--rates: more than %d rates given",
                     MAX_RATES);
            return -1;
        }
        r->rates[r->nrates++] = strtod(p, &end);
        p = *end ? end + 1 : end;
    }
    return 0;
}

static int parse_targets(struct run *r)
{
    const char *list =
        r->o.systems ? r->o.systems : "unikernel,linux-guest,linux-native";
    char buf[256];
    char *save;

    snprintf(buf, sizeof(buf), "%s", list);
    for (char *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        enum system_kind k;

        if (system_kind_parse(tok, &k) < 0 || r->ntargets == MAX_TARGETS)
            return -1;
        r->targets[r->ntargets++].kind = k;
    }
    return 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
    char buf[4096];

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            goto fail;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen,
             "%.900s: mkdir failed: %s; give --out a folder that can be "
             "created and written",
             buf, strerror(errno));
    return -1;
}

/* Reads build/linux-guest/kernel-version into rc->guest_kernel. */
static void read_guest_kernel(struct run *r)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/linux-guest/kernel-version",
             r->o.c.build_dir);
    f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(r->rc.guest_kernel, sizeof(r->rc.guest_kernel), f))
        r->rc.guest_kernel[strcspn(r->rc.guest_kernel, "\n")] = '\0';
    fclose(f);
}

/* Resolves --pin into CPU numbers and the placement column. */
static int resolve_placement(struct run *r, char *err, size_t errlen)
{
    struct run_context *rc = &r->rc;
    long cores = rc->host.cores;
    cpu_set_t set;

    rc->pin_vcpu = rc->pin_io = rc->pin_load = -1;
    if (strcmp(r->o.pin, "none") == 0) {
        snprintf(rc->placement, sizeof(rc->placement), "none");
        return 0;
    }
    if (strcmp(r->o.pin, "auto") == 0) {
        if (cores < 2) {
            snprintf(rc->placement, sizeof(rc->placement), "none");
            return 0;
        }
        /* The vCPU gets a core of its own; with 2 cores QEMU's other
         * threads share the second one with the load generator. */
        rc->pin_vcpu = 1;
        rc->pin_io = cores >= 3 ? 2 : 0;
        rc->pin_load = 0;
    } else {
        sscanf(r->o.pin, "%d,%d,%d", &rc->pin_vcpu, &rc->pin_io, &rc->pin_load);
    }
    if (rc->pin_vcpu >= cores || rc->pin_io >= cores || rc->pin_load >= cores) {
        snprintf(err, errlen,
                 "--pin: CPU numbers must be below the %ld online CPUs", cores);
        return -1;
    }
    snprintf(rc->placement, sizeof(rc->placement), "vcpu=%d,io=%d,load=%d",
             rc->pin_vcpu, rc->pin_io, rc->pin_load);
    CPU_ZERO(&set);
    CPU_SET(rc->pin_load, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0) {
        snprintf(err, errlen,
                 "--pin: load generator: sched_setaffinity(CPU %d) "
                 "failed: %s",
                 rc->pin_load, strerror(errno));
        return -1;
    }
    return 0;
}

static void fill_system_config(const struct run *r, const struct target *t,
                               struct system_config *cfg)
{
    system_config_init(cfg);
    cfg->kind = t->kind;
    cfg->workload = r->o.workload;
    cfg->build_dir = r->o.c.build_dir;
    cfg->work_dir = t->work_dir;
    cfg->machine = r->o.c.machine;
    cfg->accel = r->rc.accel;
    cfg->cpu = r->rc.cal.cpu;
    cfg->net = r->o.c.net;
    cfg->mem_mb = r->o.c.mem_mb;
    cfg->timeout_s = r->o.c.timeout_s;
    cfg->qemu = r->o.c.qemu;
    if (t->tap[0]) {
        cfg->tap_ifname = t->tap;
        cfg->guest_ip = t->guest_ip;
        cfg->gateway = t->gateway;
    }
}

/* Gives t tap device number k in the run's namespace (--net tap). */
static int give_tap(struct run *r, struct target *t, int k, char *err,
                    size_t errlen)
{
    if (r->o.c.net != QEMU_NET_TAP || t->kind == SYSTEM_LINUX_NATIVE)
        return 0;
    if (netns_add_tap(&r->ns, k, err, errlen) < 0)
        return -1;
    netns_tap_names(k, t->tap, t->guest_ip, t->gateway, sizeof(t->tap));
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Boots an empty QEMU (a halting guest) with the run's settings and keeps
 * its peak resident set: QEMU's own memory, to subtract from a system's.
 */
static void measure_empty_qemu(struct run *r)
{
    struct target empty = {.kind = SYSTEM_EMPTY_QEMU};
    struct system_config cfg;
    struct procstat_mem mem;
    char err[2048];
    int status;
    char counters[8];
    double peaks[EMPTY_QEMU_BOOTS];
    int n = 0;

    snprintf(empty.work_dir, sizeof(empty.work_dir), "%s/empty-qemu",
             r->run_dir);
    if (give_tap(r, &empty, MAX_TARGETS, err, sizeof(err)) < 0) {
        fprintf(stderr, "run: empty QEMU baseline: %s\n", err);
        return;
    }
    if (make_dir(empty.work_dir, err, sizeof(err)) < 0) {
        fprintf(stderr, "run: empty QEMU baseline: %s\n", err);
        return;
    }
    fill_system_config(r, &empty, &cfg);
    /* QEMU's peak RSS varies by some 0.5 MB from boot to boot: median. */
    for (int k = 0; k < EMPTY_QEMU_BOOTS && !stop_requested(); k++) {
        if (boot_start_system(&empty.sys, &cfg, &r->rc.cal, "run", err,
                              sizeof(err)) < 0) {
            fprintf(stderr, "run: empty QEMU baseline: %s\n", err);
            return;
        }
        usleep(500000); /* let QEMU settle after the guest halts */
        if (procstat_read_mem(NULL, empty.sys.pid, &mem, err, sizeof(err)) == 0)
            peaks[n++] = (double)mem.vm_hwm_kb;
        system_stop(&empty.sys, 5, &status, counters, sizeof(counters), err,
                    sizeof(err));
    }
    if (n > 0) {
        r->rc.rss_empty_kb = (uint64_t)median(peaks, n);
        /* median() sorted peaks. */
        r->rc.rss_empty_spread_kb = (uint64_t)(peaks[n - 1] - peaks[0]);
    }
}

/* ---- one system ------------------------------------------------------- */

/* Boots t, writes its boot row, and prepares counters and pinning. */
static void boot_target(struct run *r, struct target *t, unsigned mem_mb,
                        int write_row, double timeout_s)
{
    struct system_config cfg;
    struct phase p;
    char err[2048];

    fill_system_config(r, t, &cfg);
    if (mem_mb)
        cfg.mem_mb = mem_mb;
    if (timeout_s > 0)
        cfg.timeout_s = timeout_s;
    t->counting = 0;
    if (r->o.no_insn)
        snprintf(t->insn_why, sizeof(t->insn_why), "--no-insn given");
    else if (t->kind != SYSTEM_LINUX_NATIVE)
        t->counting =
            boot_insn_setup(&t->ic, t->kind, r->rc.accel, cfg.build_dir,
                            t->work_dir, t->plugin_arg, sizeof(t->plugin_arg),
                            t->insn_why, sizeof(t->insn_why));
    if (t->counting)
        cfg.plugin = t->plugin_arg;
    if (boot_start_system(&t->sys, &cfg, &r->rc.cal, "run", err, sizeof(err)) <
        0) {
        t->up = 0;
        if (t->counting)
            insn_close(&t->ic);
        t->counting = 0;
        if (write_row)
            phase_failed_row(&r->rc, t, "boot", 1, err);
        return;
    }
    t->up = 1;

    /* The boot phase runs from process start: "before" is all zero. */
    if (write_row) {
        memset(&p, 0, sizeof(p));
        p.before = calloc(1, sizeof(*p.before));
        p.have_before = p.before != NULL;
        p.from_start = 1;
        /* KVM statistics also count from the start of QEMU. */
        p.kvm_ok =
            r->rc.accel == QEMU_ACCEL_KVM && t->kind != SYSTEM_LINUX_NATIVE;
        p.t0 = t->sys.start_s;
        phase_end(&r->rc, t, &p, "boot", 1, NULL, NULL);
    }
    if (phase_pin_target(&r->rc, t, err, sizeof(err)) < 0)
        fprintf(stderr, "%s\n", err);
    t->pc_open =
        perfctr_open(&t->pc, NULL, t->sys.pid, err, sizeof(err)) == 0 &&
        t->pc.available;
}

/* Stops t; with verbose, prints its counters line or why there is none. */
static void stop_target(struct target *t, int verbose)
{
    const char *name = system_kind_name(t->kind);
    char err[2048] = "", counters[256] = "";
    int status;
    int stopped = 0;

    if (t->pc_open)
        perfctr_close(&t->pc);
    t->pc_open = 0;
    if (t->sys.pid > 0 && !t->sys.exited) {
        stopped = 1;
        if (system_stop(&t->sys, 10, &status, counters, sizeof(counters), err,
                        sizeof(err)) < 0 &&
            verbose)
            fprintf(stderr, "run: %s: %s\n", name, err);
    }
    if (verbose && counters[0])
        printf("%s: %s\n", name, counters);
    else if (verbose && stopped)
        printf("%s: no counters line\n", name);
    else if (verbose)
        printf("%s: no counters line (it was not running at the end)\n", name);
    system_kill(&t->sys);
    if (t->counting)
        insn_close(&t->ic);
    t->counting = 0;
    t->up = 0;
}

static void loadgen_config_for(const struct run *r, const struct target *t,
                               struct loadgen_config *lc)
{
    memset(lc, 0, sizeof(*lc));
    lc->workload =
        strcmp(r->o.workload, "echo") == 0 ? LOADGEN_ECHO : LOADGEN_DNS;
    lc->addr = t->sys.addr;
    lc->port = t->sys.port;
    lc->timeout_s = r->prof.query_timeout_s;
    lc->max_lost_in_row = 20;
}

/*
 * Returns the reason a phase failed, or NULL: the system exited, no query
 * was answered at all, or some answers were wrong (res; NULL when the
 * phase's client does not check answers).
 */
static const char *phase_failure(struct target *t, uint64_t answered,
                                 uint64_t queries,
                                 const struct loadgen_result *res, char *buf,
                                 size_t cap)
{
    const char *why = NULL;
    size_t used;

    if (!system_alive(&t->sys)) {
        int st = t->sys.wait_status;

        snprintf(buf, cap, "%s exited during the phase (status %d)",
                 system_kind_name(t->kind),
                 WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
        t->up = 0;
        return buf;
    }
    buf[0] = '\0';
    if (queries > 0 && answered == 0) {
        snprintf(buf, cap, "no query of %llu answered; ",
                 (unsigned long long)queries);
        why = buf;
    }
    if (res && res->wrong > 0) {
        used = strlen(buf);
        snprintf(buf + used, cap - used,
                 "%llu of %llu responses wrong, the first: %s; ",
                 (unsigned long long)res->wrong,
                 (unsigned long long)(res->wrong + res->answered),
                 res->wrong_example);
        why = buf;
    }
    if (why && strlen(buf) >= 2)
        buf[strlen(buf) - 2] = '\0'; /* the last "; " */
    return why;
}

static void warm_up(struct run *r, struct target *t)
{
    struct loadgen_config lc;
    struct loadgen_result res;
    char err[256];

    loadgen_config_for(r, t, &lc);
    lc.first_name = 5000; /* other names than the measured ones */
    if (loadgen_sequential(&lc, (uint64_t)r->prof.warmup, &res, stop_requested,
                           err, sizeof(err)) == 0)
        loadgen_result_free(&res);
}

/*
 * Sends one lookup with the profile's query timeout. Returns NULL when it
 * was answered correctly, else the reason in buf[cap].
 */
static const char *check_answers(struct run *r, struct target *t,
                                 const char *after, char *buf, size_t cap)
{
    struct loadgen_config lc;
    struct loadgen_result res;
    char err[256];
    const char *why = NULL;

    loadgen_config_for(r, t, &lc);
    lc.first_name = 9000; /* other names than the measured ones */
    if (loadgen_sequential(&lc, 1, &res, stop_requested, err, sizeof(err)) <
        0) {
        snprintf(buf, cap, "check lookup after %s: %s", after, err);
        return buf;
    }
    if (res.answered == 0 && !stop_requested()) {
        snprintf(buf, cap,
                 "%s stopped answering: no correct answer to a check lookup "
                 "after %s within %.1f s",
                 system_kind_name(t->kind), after, lc.timeout_s);
        if (res.wrong > 0)
            snprintf(buf + strlen(buf), cap - strlen(buf), " (wrong: %s)",
                     res.wrong_example);
        why = buf;
    }
    loadgen_result_free(&res);
    return why;
}

static void idle_phase(struct run *r, struct target *t)
{
    struct phase p;
    char why[512];
    const char *failure;
    double end;

    phase_begin(&r->rc, t, &p);
    end = system_now() + r->prof.idle_s;
    while (system_now() < end && !stop_requested())
        usleep(20000);
    /*
     * A frozen guest is as quiet as an idle one: the row is ok only if the
     * system still answers. The check lookup runs after the readings, so
     * its cost stays out of the idle figures.
     */
    phase_measure(&r->rc, t, &p, "idle", 1, NULL);
    failure = phase_failure(t, 0, 0, NULL, why, sizeof(why));
    if (!failure)
        failure = check_answers(r, t, "the idle phase", why, sizeof(why));
    phase_write(&r->rc, t, &p, failure);
}

/* CPU seconds the harness itself has used (user + system). */
static double self_cpu_s(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void paper_rep(struct run *r, struct target *t, int rep)
{
    struct loadgen_config lc;
    struct loadgen_result res;
    struct phase_traffic tr = {0};
    struct phase p;
    char err[512], why[512];
    const char *failure;
    uint64_t insn0 = 0;
    double cpu0;

    loadgen_config_for(r, t, &lc);
    phase_begin(&r->rc, t, &p);
    if (t->counting)
        insn0 = insn_read(&t->ic);
    cpu0 = self_cpu_s();
    if (loadgen_sequential(&lc, (uint64_t)r->prof.queries, &res, stop_requested,
                           err, sizeof(err)) < 0) {
        phase_end(&r->rc, t, &p, "paper", rep, NULL, err);
        return;
    }
    tr.has_traffic = 1;
    tr.queries = res.sent;
    tr.answered = res.answered;
    tr.lost = res.lost;
    tr.lat_us = res.lat_us;
    tr.nlat = res.nlat;
    tr.lat_method = "harness-client";
    failure = phase_failure(t, res.answered, res.sent, &res, why, sizeof(why));

    phase_end(&r->rc, t, &p, "paper", rep, &tr, failure);

    /* Totals for the summary, from the same readings as the row. */
    if (!failure && p.have_cpu) {
        t->paper_reps++;
        t->paper_total_s += p.cpu.total_s;
        t->paper_guest_s += p.cpu.guest_s;
        t->paper_host_s += p.cpu.host_s;
        t->paper_vcpu_s += p.cpu.vcpu_s;
        t->paper_queries += res.sent;
        t->paper_self_s += self_cpu_s() - cpu0;
        if (t->counting && insn_loaded(&t->ic)) {
            t->paper_insn += insn_read(&t->ic) - insn0;
            t->paper_insn_known = 1;
        }
    }
    loadgen_result_free(&res);
}

static void rate_step(struct run *r, struct target *t, double rate)
{
    struct loadgen_config lc;
    struct loadgen_result res;
    struct phase_traffic tr = {0};
    struct phase p;
    char err[512], why[512];
    const char *failure;
    double cpu0;

    loadgen_config_for(r, t, &lc);
    phase_begin(&r->rc, t, &p);
    cpu0 = self_cpu_s();
    if (loadgen_rate(&lc, rate, r->prof.rate_s, &res, stop_requested, err,
                     sizeof(err)) < 0) {
        phase_end(&r->rc, t, &p, "rate", 1, NULL, err);
        return;
    }
    double generator_us =
        res.sent ? (self_cpu_s() - cpu0) / (double)res.sent * 1e6 : 0;

    tr.has_traffic = 1;
    tr.active_s = res.active_s;
    tr.offered_qps = rate;
    tr.queries = res.sent;
    tr.answered = res.answered;
    tr.lost = res.lost;
    tr.lat_us = res.lat_us;
    tr.nlat = res.nlat;
    tr.lat_method = "harness-client";
    failure = phase_failure(t, res.answered, res.sent, &res, why, sizeof(why));
    /* A generator that fell behind did not offer the rate it claims. */
    if (!failure &&
        !loadgen_held_rate(&res, rate, r->prof.rate_s, why, sizeof(why)))
        failure = why;
    /* The generator's own cost, so its share of the host is known. */
    progress_done(r);
    printf("rate %s %.0f qps: %llu of %llu answered, %.0f qps achieved, "
           "generator %.2f us CPU per query%s%s\n",
           system_kind_name(t->kind), rate, (unsigned long long)res.answered,
           (unsigned long long)res.sent,
           res.active_s > 0 ? (double)res.answered / res.active_s : 0,
           generator_us, failure ? "; row failed: " : "",
           failure ? failure : "");
    fflush(stdout);
    phase_end(&r->rc, t, &p, "rate", 1, &tr, failure);
    loadgen_result_free(&res);
}

static void dnsperf_phase(struct run *r, struct target *t)
{
    struct dnsperf_result res;
    struct phase_traffic tr = {0};
    struct phase p;
    char qfile[4200], log[4200], err[512], why[512];
    const char *failure;
    unsigned n = (unsigned)(r->prof.dnsperf_qps * r->prof.dnsperf_s) + 1;

    snprintf(qfile, sizeof(qfile), "%s/dnsperf-queries.txt", t->work_dir);
    snprintf(log, sizeof(log), "%s/dnsperf.log", t->work_dir);
    if (n > LOADGEN_ZONE_NAMES)
        n = LOADGEN_ZONE_NAMES;
    if (dnsperf_write_queries(qfile, n, err, sizeof(err)) < 0) {
        phase_failed_row(&r->rc, t, "dnsperf", 1, err);
        return;
    }
    phase_begin(&r->rc, t, &p);
    if (dnsperf_run(t->sys.addr, t->sys.port, r->prof.dnsperf_qps,
                    r->prof.dnsperf_s, r->prof.query_timeout_s, qfile, log,
                    &res, err, sizeof(err)) < 0) {
        phase_end(&r->rc, t, &p, "dnsperf", 1, NULL, err);
        return;
    }
    tr.has_traffic = 1;
    tr.active_s = res.run_s;
    tr.offered_qps = r->prof.dnsperf_qps;
    tr.queries = res.sent;
    tr.answered = res.noerror;
    tr.lost = res.sent - res.noerror;
    tr.lat_us = res.lat_us;
    tr.nlat = res.nlat;
    tr.lat_method = "dnsperf";
    failure = phase_failure(t, res.noerror, res.sent, NULL, why, sizeof(why));
    phase_end(&r->rc, t, &p, "dnsperf", 1, &tr, failure);
    dnsperf_result_free(&res);
}

/* ---- minimum memory --------------------------------------------------- */

/* Boots t with mem_mb and returns 1 when it answers 10 lookups. */
static int answers_with_mem(struct run *r, struct target *t, unsigned mem_mb,
                            double timeout_s)
{
    struct loadgen_config lc;
    struct loadgen_result res;
    char err[256];
    int ok = 0;

    boot_target(r, t, mem_mb, 0, timeout_s);
    if (!t->up)
        return 0;
    loadgen_config_for(r, t, &lc);
    if (loadgen_sequential(&lc, 10, &res, stop_requested, err, sizeof(err)) ==
        0) {
        ok = res.answered == 10;
        loadgen_result_free(&res);
    }
    stop_target(t, 0);
    return ok;
}

/*
 * Bisects the smallest -m (MiB) at which t still boots and answers,
 * between 1 and the run's memory. Stores 0 when even that fails.
 */
static void search_min_mem(struct run *r, struct target *t)
{
    unsigned lo = 1, hi = r->o.c.mem_mb;
    double limit;

    progress(r, "min-mem", t, 0);
    if (!answers_with_mem(r, t, hi, 0)) {
        t->min_mem_mb = 0;
        return;
    }
    /*
     * A guest short of memory may hang instead of failing: give each
     * probe 5 times the boot time at full memory (at least 10 s).
     */
    limit = t->sys.boot_s * 5 > 10 ? t->sys.boot_s * 5 : 10;
    /* Invariant: hi works; every value below lo failed or is 0. */
    while (lo < hi && !stop_requested()) {
        unsigned mid = lo + (hi - lo) / 2;

        if (answers_with_mem(r, t, mid, limit))
            hi = mid;
        else
            lo = mid + 1;
    }
    t->min_mem_mb = hi;
}

/* ---- summary ---------------------------------------------------------- */

/*
 * Formats t's peak memory above the empty QEMU's median peak. A difference
 * within the spread of the empty-QEMU peaks is marked as noise, and one at
 * or below 0 is shown as "<=0".
 */
static void format_above_qemu(const struct run *r, const struct target *t,
                              char *buf, size_t cap)
{
    long long above = (long long)t->rss_peak_kb - (long long)r->rc.rss_empty_kb;

    if (above <= 0)
        snprintf(buf, cap, "<=0 (noise)");
    else if (above <= (long long)r->rc.rss_empty_spread_kb)
        snprintf(buf, cap, "%lld (noise)", above);
    else
        snprintf(buf, cap, "%lld", above);
}

static void print_summary(const struct run *r)
{
    printf("\nsummary (%s profile, %s, %d rows, %d failed): %s\n", r->prof.name,
           r->rc.accel == QEMU_ACCEL_KVM ? "kvm" : "tcg", r->rc.rows,
           r->rc.failed_rows, r->rc.csv_path);
    printf("%-13s %12s %8s %8s %8s %11s %8s %9s %12s\n", "system",
           "cpu/1000q s", "guest s", "host s", "vcpu s", "insn/query", "boot s",
           "rss kB", "+qemu kB");
    for (int i = 0; i < r->ntargets; i++) {
        const struct target *t = &r->targets[i];
        double per = t->paper_queries ? 1000.0 / (double)t->paper_queries : 0;
        int kvm =
            r->rc.accel == QEMU_ACCEL_KVM && t->kind != SYSTEM_LINUX_NATIVE;
        char insn[32] = "-", guest[32] = "-", host[32] = "-", vcpu[32] = "-";
        char total[32] = "-", boot[32] = "-", above[32] = "-", rss[32] = "-";

        if (t->paper_reps) {
            snprintf(total, sizeof(total), "%.4f", t->paper_total_s * per);
            if (kvm) {
                snprintf(guest, sizeof(guest), "%.4f", t->paper_guest_s * per);
                snprintf(host, sizeof(host), "%.4f", t->paper_host_s * per);
            }
            if (t->kind != SYSTEM_LINUX_NATIVE)
                snprintf(vcpu, sizeof(vcpu), "%.4f", t->paper_vcpu_s * per);
        }
        if (t->paper_insn_known && t->paper_queries)
            snprintf(insn, sizeof(insn), "%.0f",
                     (double)t->paper_insn / (double)t->paper_queries);
        if (t->sys.boot_s > 0)
            snprintf(boot, sizeof(boot), "%.3f", t->sys.boot_s);
        if (t->rss_peak_kb)
            snprintf(rss, sizeof(rss), "%llu",
                     (unsigned long long)t->rss_peak_kb);
        if (t->kind != SYSTEM_LINUX_NATIVE && r->rc.rss_empty_kb &&
            t->rss_peak_kb)
            format_above_qemu(r, t, above, sizeof(above));
        printf("%-13s %12s %8s %8s %8s %11s %8s %9s %12s\n",
               system_kind_name(t->kind), total, guest, host, vcpu, insn, boot,
               rss, above);
    }
    if (r->rc.rss_empty_kb)
        printf("empty QEMU (same settings): %llu kB resident at peak, the "
               "median of %d boots spread over %llu kB;\n"
               "  \"(noise)\" marks a +qemu figure within that spread\n",
               (unsigned long long)r->rc.rss_empty_kb, EMPTY_QEMU_BOOTS,
               (unsigned long long)r->rc.rss_empty_spread_kb);
    for (int i = 0; i < r->ntargets; i++) {
        const struct target *t = &r->targets[i];

        if (t->paper_queries)
            printf("harness CPU per paper-mode query against %s: %.1f us\n",
                   system_kind_name(t->kind),
                   t->paper_self_s / (double)t->paper_queries * 1e6);
    }
    if (r->rc.accel != QEMU_ACCEL_KVM)
        printf("TCG: guest_time is always 0, so guest/host are empty; "
               "vcpu is QEMU's vCPU thread.\n");
    if (!r->o.no_insn && r->rc.accel == QEMU_ACCEL_TCG)
        printf("boot s: a boot with the instruction-counting plugin loaded, "
               "which slows it; `ukbench boot-times` times boots without "
               "it.\n");
    if (r->rc.failed_rows > 0)
        printf("%d of %d rows failed: the reasons are in the failure column "
               "of %s\n",
               r->rc.failed_rows, r->rc.rows, r->rc.csv_path);
    else
        printf("no row failed\n");
}

/* ---- the run ---------------------------------------------------------- */

static int setup(struct run *r, char *err, size_t errlen)
{
    struct run_context *rc = &r->rc;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    char rerr[256];
    char cerr[PATH_MAX + 256];

    if (resolve_profile(r, err, errlen) < 0 || parse_targets(r) < 0)
        return -1;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(rc->run_id, sizeof(rc->run_id), "%s-%d", stamp, (int)getpid());
    rc->workload = r->o.workload;
    rc->machine = r->o.c.machine;
    rc->net = r->o.c.net;
    hostinfo_read(&rc->host, NULL, r->o.c.qemu, ".");
    if (resolve_placement(r, err, errlen) < 0)
        return -1;
    if (make_dir(r->o.out_dir, err, errlen) < 0)
        return -1;
    snprintf(rc->csv_path, sizeof(rc->csv_path), "%s/%s.csv", r->o.out_dir,
             r->prof.name);
    /* Rows are appended after their phase: a bad file would lose them all. */
    if (csv_check_file(rc->csv_path, cerr, sizeof(cerr)) < 0) {
        snprintf(err, errlen,
                 "%.900s (nothing was run; --out picks another folder)", cerr);
        return -1;
    }
    snprintf(r->run_dir, sizeof(r->run_dir), "%s/runs/%s", r->o.out_dir,
             rc->run_id);
    if (make_dir(r->run_dir, err, errlen) < 0)
        return -1;
    for (int i = 0; i < r->ntargets; i++) {
        struct target *t = &r->targets[i];

        snprintf(t->work_dir, sizeof(t->work_dir), "%s/%s", r->run_dir,
                 system_kind_name(t->kind));
        if (make_dir(t->work_dir, err, errlen) < 0)
            return -1;
    }
    read_guest_kernel(r);
    calibrate_resolve(&rc->cal, &r->o.c, r->run_dir);
    rc->accel = rc->cal.chosen;
    if (r->o.c.accel == ACCEL_AUTO && rc->cal.reason[0])
        fprintf(stderr, "run: using TCG: %s\n", rc->cal.reason);
    if (r->o.c.net == QEMU_NET_TAP) {
        if (netns_create(&r->ns, err, errlen) < 0)
            return -1;
        r->netns_on = 1;
        for (int i = 0; i < r->ntargets; i++)
            if (give_tap(r, &r->targets[i], i, err, errlen) < 0)
                return -1;
    }
    rc->rapl_open = rapl_open(&rc->rapl, NULL, rerr, sizeof(rerr)) == 0;
    if (rc->rapl_open && rc->rapl.source == RAPL_NONE)
        fprintf(stderr, "run: energy: %s\n", rc->rapl.reason);
    return 0;
}

static int have_qemu_target(const struct run *r)
{
    for (int i = 0; i < r->ntargets; i++)
        if (r->targets[i].kind != SYSTEM_LINUX_NATIVE)
            return 1;
    return 0;
}

static void run_phases(struct run *r)
{
    int n = r->ntargets;

    r->steps_total =
        n * (3 + r->prof.reps + r->nrates + (r->prof.dnsperf_qps > 0));
    if (have_qemu_target(r))
        measure_empty_qemu(r);
    for (int i = 0; i < n && r->o.min_mem && !stop_requested(); i++)
        if (r->targets[i].kind != SYSTEM_LINUX_NATIVE)
            search_min_mem(r, &r->targets[i]);

    for (int i = 0; i < n && !stop_requested(); i++) {
        progress(r, "boot", &r->targets[i], 0);
        boot_target(r, &r->targets[i], 0, 1, 0);
        r->steps_done++;
    }
    for (int i = 0; i < n && !stop_requested(); i++) {
        if (!r->targets[i].up)
            continue;
        progress(r, "idle", &r->targets[i], 0);
        idle_phase(r, &r->targets[i]);
        warm_up(r, &r->targets[i]);
        r->steps_done += 2;
    }
    /* Alternate the systems repetition by repetition. */
    for (int rep = 1; rep <= r->prof.reps && !stop_requested(); rep++) {
        for (int i = 0; i < n && !stop_requested(); i++) {
            if (!r->targets[i].up)
                continue;
            progress(r, "paper", &r->targets[i], rep);
            paper_rep(r, &r->targets[i], rep);
            r->steps_done++;
        }
    }
    for (int i = 0; i < n && !stop_requested(); i++) {
        for (int k = 0; k < r->nrates && !stop_requested(); k++) {
            if (!r->targets[i].up)
                break;
            progress(r, "rate", &r->targets[i], 0);
            rate_step(r, &r->targets[i], r->rates[k]);
            r->steps_done++;
        }
        if (r->prof.dnsperf_qps > 0 && r->targets[i].up && !stop_requested()) {
            progress(r, "dnsperf", &r->targets[i], 0);
            dnsperf_phase(r, &r->targets[i]);
            r->steps_done++;
        }
    }
    progress_done(r);
}

int run_main(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof(*r));
    char err[1024];
    int rc;

    if (!r) {
        fprintf(stderr, "ukbench run: out of memory\n");
        return 1;
    }
    rc = options_parse_run(argc, argv, &r->o, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "ukbench run: %s\n", err);
        free(r);
        return rc < 0 ? 2 : 0;
    }
    if (interrupt_install() < 0) {
        fprintf(stderr, "run: sigaction failed: %s\n", strerror(errno));
        free(r);
        return 1;
    }
    r->tty = isatty(2);
    r->t_start = system_now();
    if (setup(r, err, sizeof(err)) < 0) {
        fprintf(stderr, "ukbench run: %s\n", err);
        if (r->netns_on)
            netns_destroy(&r->ns);
        free(r);
        return 1;
    }
    printf("run %s: profile %s, accel %s (%s), rows to %s\n", r->rc.run_id,
           r->prof.name, qemu_accel_name(r->rc.accel), r->rc.cal.figure,
           r->rc.csv_path);
    fflush(stdout);

    run_phases(r);
    for (int i = 0; i < r->ntargets; i++)
        stop_target(&r->targets[i], 1);
    if (r->rc.rapl_open)
        rapl_close(&r->rc.rapl);
    if (r->netns_on)
        netns_destroy(&r->ns);
    if (stop_requested()) {
        fprintf(stderr,
                "run: interrupted; every system stopped, %d rows "
                "written\n",
                r->rc.rows);
        free(r);
        return 130;
    }
    print_summary(r);
    rc = r->rc.rows > 0 ? 0 : 1;
    free(r);
    return rc;
}

/* ---- boot-times ------------------------------------------------------- */

int boot_times_main(int argc, char **argv)
{
    struct boot_times_options o;
    struct run *r = calloc(1, sizeof(*r));
    char err[1024];
    int rc;

    if (!r)
        return 1;
    rc = options_parse_boot_times(argc, argv, &o, err, sizeof(err));
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "ukbench boot-times: %s\n", err);
        free(r);
        return rc < 0 ? 2 : 0;
    }
    interrupt_install();
    /* Reuse the run machinery with a profile that only boots. */
    r->o.c = o.c;
    r->o.systems = o.systems;
    r->o.workload = o.workload;
    r->o.pin = "none";
    r->o.profile = "tiny";
    r->o.out_dir = "/tmp";
    if (boot_make_work_dir(r->run_dir, sizeof(r->run_dir), err, sizeof(err)) <
            0 ||
        parse_targets(r) < 0) {
        fprintf(stderr, "ukbench boot-times: %s\n", err);
        free(r);
        return 1;
    }
    calibrate_resolve(&r->rc.cal, &r->o.c, r->run_dir);
    r->rc.accel = r->rc.cal.chosen;
    printf("boot to ready, median of %d boots without instrumentation, "
           "accel %s, machine %s; guest insn from one more boot with the "
           "TCG plugin\n",
           o.reps, qemu_accel_name(r->rc.accel),
           qemu_machine_name(o.c.machine));
    printf("%-13s %10s %10s %10s %16s\n", "system", "median s", "min s",
           "max s", "guest insn");
    for (int i = 0; i < r->ntargets && !stop_requested(); i++) {
        struct target *t = &r->targets[i];
        double walls[1000], insns[1000];
        int ok = 0, counted = 0;

        snprintf(t->work_dir, sizeof(t->work_dir), "%s", r->run_dir);
        /*
         * Wall times come from boots without the plugin, which slowed the
         * Linux guest's boot by some 15% under TCG; one more boot with it
         * counts the instructions, which repeat from boot to boot.
         */
        r->o.no_insn = 1;
        for (int k = 0; k <= o.reps && !stop_requested(); k++) {
            if (k == o.reps)
                r->o.no_insn = 0;
            boot_target(r, t, 0, 0, 0);
            if (!t->up)
                continue;
            if (k < o.reps)
                walls[ok++] = t->sys.boot_s;
            if (t->counting && insn_loaded(&t->ic))
                insns[counted++] = (double)insn_read(&t->ic);
            stop_target(t, 0);
        }
        if (ok == 0) {
            printf("%-13s failed to boot (see `ukbench boot --system %s`)\n",
                   system_kind_name(t->kind), system_kind_name(t->kind));
            continue;
        }
        {
            double lo = walls[0], hi = walls[0];
            char insn[32] = "unavailable";

            for (int k = 1; k < ok; k++) {
                lo = walls[k] < lo ? walls[k] : lo;
                hi = walls[k] > hi ? walls[k] : hi;
            }
            if (counted)
                snprintf(insn, sizeof(insn), "%.0f", median(insns, counted));
            printf("%-13s %10.3f %10.3f %10.3f %16s\n",
                   system_kind_name(t->kind), median(walls, ok), lo, hi, insn);
        }
    }
    boot_remove_work_dir(r->run_dir);
    free(r);
    return 0;
}
