/*
 * The recovery protocol of hahealer: intake, claim, lease, generation,
 * take-over and the per-instance evacuation pipeline, against Nova.
 *
 * One notification (delivered twice) for one failed host with NI = 2
 * instances. NW = 3 worker threads in two engines (engine 0 runs workers
 * 0 and 1, engine 1 runs worker 2). Faults are bounded so that the search
 * is exhaustive and progress is possible: at most MAXF engine crashes or
 * leases that expire under a stalled holder, at most MAXLOSS requests that
 * Nova drops (or, in the described variant, replies the engine stops
 * waiting for).
 *
 * verification/check.sh runs every property below on this model and on
 * each variant (-D...), see verification/README.md.
 *
 * Variants (each one must be refuted):
 *   MUTANT_NO_GENERATION_CHECK  guards compare the owner, not the generation
 *   MUTANT_NO_READ_BEFORE_EVACUATE  evacuate decided from the vmove row
 *                               alone, without reading Nova
 *   MUTANT_RESET_REBUILDING     the decision reads the instance but not its
 *                               migrations, and resets any task_state
 *   MUTANT_UNLOCK_ANY           unlock whatever is locked, a user's lock too
 *   DESCRIBED_NO_SETTLE         the first description of the protocol: after
 *                               a lost reply the engine reads again at once;
 *                               the final unlock pass waits only for its own
 *                               lock requests
 *   MUTANT_NO_SWEEP             an expired lease is never taken over
 *   DESCRIBED_FAILED            the take-over past the attempt bound marks
 *                               the notification failed at once
 *
 * Configurations: -DMAXATT=2 makes the attempt bound reachable within
 * MAXF faults (the failed path); -DONE_ENGINE puts the three workers in
 * one engine (they share an owner); -DGHOSTS adds the variables of the
 * witness reach_late_landing.
 */

#ifndef MAXF
#define MAXF 2          /* crashes + expired leases, in total */
#endif
#ifndef MAXLOSS
#define MAXLOSS 1       /* dropped requests (and, described: lost replies) */
#endif
#define MAXEV 2         /* evacuations sent per instance */
#ifndef MAXATT
#define MAXATT 3        /* claims + take-overs before the row fails */
#endif

#define NI 2
#define NW 3
#ifdef ONE_ENGINE
#define ENGINE(w) 0     /* three worker threads of one engine */
#else
#define ENGINE(w) ((w) == 2 -> 1 : 0)
#endif

/* notification row */
#define ABSENT 0
#define NEW 1
#define RUNNING 2
#define FINISHED 3
#define ERROR 4
#define FAILED 5

byte rows;              /* rows stored under the notification's key */
byte status = ABSENT;
byte owner;             /* 0: none; else 1 + 4 * engine + incarnation */
byte gen;
bool lease;             /* valid? (the database clock decides) */
byte attempts;
bool cleanup;           /* attempts exhausted: unlock pass, then failed */

/* vmove rows, one per instance */
#define P_LOCK 0
#define P_EVAC 1
#define P_UNLOCK 2
#define P_DONE 3
byte phase[NI];
byte ev[NI];            /* evacuations sent (written before sending) */
bool gaveup[NI];

/* Nova, per instance */
#define TS_NONE 0
#define TS_REBUILDING 1
#define TS_STUCK 2
#define L_NONE 0
#define L_USER 1
#define L_OURS 2
bool moved[NI];         /* host is no longer the failed host */
byte ts[NI];
byte lk[NI];
byte nacc[NI];          /* migration records: accepted (in flight) */
byte ndone[NI];         /*                    done */
byte nfail[NI];         /*                    failed */

/* requests sent to Nova and not yet processed or dropped, by sender, type
 * and instance; senders NW..2NW-1 hold the requests whose sender gave up
 * waiting for the reply (described variant only) */
#define R_LOCK 0
#define R_UNLOCK 1
#define R_RESET 2
#define R_EVAC 3
#define NK (2 * NW * 4 * NI)
#define K(w, t, i) (((w) * 4 + (t)) * NI + (i))
byte pend[NK];
byte inflight[NI];

/* the environment */
byte faults;
byte losses;
byte inc[2];            /* incarnation of each engine */

#define OWNER_ID(e) (1 + 4 * (e) + inc[e])
#define TERMINAL (status >= FINISHED)
#define DRAINED (inflight[0] == 0 && inflight[1] == 0)

/* The generation guard: the row is still running, ours, at generation g
 * (Lease.check()). Also a renewal: the lease is valid again. */
#ifdef MUTANT_NO_GENERATION_CHECK
#define OURS (status == RUNNING && owner == me)
#else
#define OURS (status == RUNNING && owner == me && gen == g)
#endif

/* Before a decision is read: no request for the instance can still land. */
#ifdef DESCRIBED_NO_SETTLE
#define SETTLED(i) true
#else
#define SETTLED(i) (inflight[i] == 0)
#endif

/* The sweep resumes a running notification whose lease expired. */
#ifdef MUTANT_NO_SWEEP
#define SWEEP false
#else
#define SWEEP true
#endif

/* An evacuation is in flight: follow it. */
#if defined(MUTANT_RESET_REBUILDING)
#define FOLLOWING(i) false
#elif defined(MUTANT_NO_READ_BEFORE_EVACUATE)
#define FOLLOWING(i) (sent_evac && (nacc[i] > 0 || ts[i] == TS_REBUILDING))
#else
#define FOLLOWING(i) (phase[i] == P_EVAC && !moved[i] && \
                      (nacc[i] > 0 || ts[i] == TS_REBUILDING))
#endif

bool ready;             /* init has set the scene */

ltl safe { [] (nacc[0] + ndone[0] <= 1 && nacc[1] + ndone[1] <= 1) }
ltl live { <> (TERMINAL && DRAINED) }
ltl clean { [] (!ready ||
                (lk[1] == L_USER &&
                 (TERMINAL && DRAINED -> lk[0] != L_OURS && lk[1] != L_OURS))) }

/* Witnesses: each claims that something never happens; check.sh requires
 * a counterexample for each, so the checks above are not passing vacuously
 * (a model that never finishes, never fails over, never retries). */
ltl reach_finished { [] (status != FINISHED) }
ltl reach_error { [] (status != ERROR) }
ltl reach_failed { [] (status != FAILED) }
ltl reach_retry { [] !(nfail[0] > 0 && ndone[0] > 0) }
ltl reach_two_takeovers { [] !(gen == 3 && TERMINAL) }
#ifdef GHOSTS
/* a request of an earlier holder lands after the take-over */
byte holder;
bool late_landing;
ltl reach_late_landing { [] !late_landing }
#define GHOST_HOLDER holder = w
#define GHOST_LANDS if :: status == RUNNING && w != holder -> \
                        late_landing = true :: else fi
#else
#define GHOST_HOLDER skip
#define GHOST_LANDS skip
#endif

/* actions a worker decides on */
mtype = { nothing, lock, reset_state, evacuate, unlock, give_up,
         phase_evacuate, phase_unlock, phase_done };
#define A_SKIP nothing
#define A_LOCK lock
#define A_RESET reset_state
#define A_EVAC evacuate
#define A_UNLOCK unlock
#define A_GIVEUP give_up
#define A_TO_EVAC phase_evacuate
#define A_TO_UNLOCK phase_unlock
#define A_TO_DONE phase_done

inline send(t) {
    pend[K(w, t, i)]++;
    inflight[i]++
}

/* The decision for instance i, from its vmove row and from Nova. */
inline decide() {
    if
    :: final ->                     /* the final pass */
        if
        :: lk[i] == L_OURS -> act = A_UNLOCK
        :: else -> act = A_SKIP
        fi
    :: !final && phase[i] == P_LOCK ->
        if
        :: lk[i] == L_NONE -> act = A_LOCK
        :: else -> act = A_TO_EVAC      /* ours already, or the user's */
        fi
    :: !final && phase[i] == P_EVAC ->
        if
        :: moved[i] -> act = A_TO_UNLOCK
        :: else ->
            if
            :: ev[i] >= MAXEV -> act = A_GIVEUP
#if defined(MUTANT_NO_READ_BEFORE_EVACUATE)
            :: ev[i] < MAXEV && !sent_reset -> act = A_RESET
            :: ev[i] < MAXEV && sent_reset -> act = A_EVAC
#elif defined(MUTANT_RESET_REBUILDING)
            :: ev[i] < MAXEV && ts[i] != TS_NONE -> act = A_RESET
            :: ev[i] < MAXEV && ts[i] == TS_NONE -> act = A_EVAC
#else
            :: ev[i] < MAXEV && ts[i] == TS_STUCK -> act = A_RESET
            :: ev[i] < MAXEV && ts[i] == TS_NONE -> act = A_EVAC
#endif
            fi
        fi
    :: !final && phase[i] == P_UNLOCK ->
        if
#ifdef MUTANT_UNLOCK_ANY
        :: lk[i] != L_NONE -> act = A_UNLOCK
#else
        :: lk[i] == L_OURS -> act = A_UNLOCK
#endif
        :: else -> act = A_TO_DONE
        fi
    :: !final && phase[i] == P_DONE -> act = A_SKIP
    fi
}

#define FORGET me = 0; g = 0; i = 0; act = A_SKIP; final = false; \
               late = false; stalled = false; waiting = false; \
               sent_reset = false; sent_evac = false

/* Not ours any more: stop, forget the flow (it stays resumable). */
#define STOP FORGET; goto idle

/* A holder's fault right after it acted: it stalls past its lease and
 * wakes up once another worker has taken the notification over, with
 * what it believed; or its engine crashes: every worker of the engine
 * forgets its flow and comes back as a new owner (unless, below). */
inline fault() {
    if
    :: true
    :: faults < MAXF -> faults++; lease = false; stalled = true;
       printf("MSC: W%d gen %d: stalls, its lease expires\n", w, g)
    :: faults < MAXF -> faults++; lease = false; inc[e]++;
       printf("MSC: engine %d crashes (W%d gen %d)\n", e, w, g)
    fi
}

/* The request type of an action. */
#define RT(a) ((a) == A_LOCK -> R_LOCK : \
               ((a) == A_RESET -> R_RESET : \
                ((a) == A_EVAC -> R_EVAC : R_UNLOCK)))

/* The guard and the action, one atomic step: a database write, or a
 * request put on its way to Nova. */
inline guarded_act() {
    if
    :: OURS ->
        lease = true;
        printf("MSC: W%d gen %d: %e instance %d\n", w, g, act, i);
        if
        :: act == A_LOCK -> send(R_LOCK)
        :: act == A_RESET -> send(R_RESET); sent_reset = true
        :: act == A_EVAC -> ev[i]++; send(R_EVAC); sent_reset = false;
                            sent_evac = true
        :: act == A_UNLOCK -> send(R_UNLOCK)
        :: act == A_GIVEUP -> gaveup[i] = true; phase[i] = P_UNLOCK
        :: act == A_TO_EVAC -> phase[i] = P_EVAC
        :: act == A_TO_UNLOCK -> phase[i] = P_UNLOCK
        :: act == A_TO_DONE -> phase[i] = P_DONE
        fi;
#ifdef DESCRIBED_NO_SETTLE
        waiting = (act == A_LOCK || act == A_RESET || act == A_EVAC ||
                   act == A_UNLOCK);
#endif
        fault()
    :: else ->
        printf("MSC: W%d gen %d: not ours (gen %d), stops\n", w, g, gen);
        STOP
    fi
}

/* The checked protocol reads only once no request for the instance can
 * still land (SETTLED). The described one waits for the reply to its own
 * request, or gives up waiting (a lost reply) while it may still land;
 * its final pass waits for its own lock requests only. */
#ifdef DESCRIBED_NO_SETTLE
#define READY (!waiting && (!final || \
               (pend[K(w, R_LOCK, 0)] + pend[K(w + NW, R_LOCK, 0)] + \
                pend[K(w, R_LOCK, 1)] + pend[K(w + NW, R_LOCK, 1)] == 0)))
#else
#define READY true
#endif

proctype Worker(byte w; byte e)
{
    byte me, g, i;
    mtype act;
    bool final, late, stalled, waiting;
    bool sent_reset, sent_evac;     /* MUTANT_NO_READ_BEFORE_EVACUATE */

idle:
end_idle:
    do
    :: atomic { status == NEW ->                  /* claim */
           me = OWNER_ID(e); status = RUNNING; owner = me; gen++; g = gen;
           attempts++; lease = true; final = false; GHOST_HOLDER;
           printf("MSC: W%d claims, gen %d\n", w, g) }
       break
    :: atomic { status == RUNNING && !lease && SWEEP -> /* take over */
           me = OWNER_ID(e); owner = me; gen++; g = gen; attempts++;
           lease = true; GHOST_HOLDER;
           printf("MSC: W%d takes over, gen %d\n", w, g);
           if
           :: attempts > MAXATT ->
#ifdef DESCRIBED_FAILED
               status = FAILED; owner = 0; lease = false; FORGET; goto idle
#else
               cleanup = true
#endif
           :: else
           fi;
           final = cleanup }
       break
    od;
    {
        do
        /* Read, decide, act, for instance i. A stalled holder first
         * renews its lease: a failed renewal means stop. The holder may
         * stall between reading and acting. */
        :: atomic {
            !late && READY && (!stalled || gen != g) &&
            SETTLED(i) && (final || !FOLLOWING(i)) ->
            if
            :: stalled ->
                stalled = false;
                if
                :: OURS -> lease = true
                :: else -> STOP
                fi
            :: else
            fi;
            decide();
            if
            :: act == A_SKIP -> i++;
                if
                :: i == NI && !final -> i = 0; final = true
                :: i == NI && final ->                  /* finish */
                    if
                    :: OURS ->
                        if
                        :: cleanup -> status = FAILED
                        :: !cleanup && (gaveup[0] || gaveup[1]) ->
                            status = ERROR
                        :: else -> status = FINISHED
                        fi;
                        owner = 0; lease = false
                    :: else
                    fi;
                    STOP
                :: else
                fi
            :: act != A_SKIP -> guarded_act()
            :: act != A_SKIP && OURS && faults < MAXF ->
                faults++; lease = false; late = true;
                printf("MSC: W%d gen %d: decides %e on instance %d, stalls before acting; its lease expires\n",
                       w, g, act, i)
            fi
           }
        /* woken up, acting on what it read before it stalled */
        :: atomic { late && gen != g -> late = false; guarded_act() }
#ifdef DESCRIBED_NO_SETTLE
        :: atomic { waiting && pend[K(w, RT(act), i)] == 0 -> waiting = false }
        :: atomic { waiting && pend[K(w, RT(act), i)] > 0 && losses < MAXLOSS ->
                    losses++; waiting = false;
                    pend[K(w, RT(act), i)]--; pend[K(w + NW, RT(act), i)]++;
                    printf("MSC: W%d gen %d: reply lost, reads again\n",
                           w, g) }
#endif
        od
    } unless { atomic { me != OWNER_ID(e) -> FORGET } }  /* engine crash */
    goto idle
}

/* Nova: applies a request, or drops it; ends rebuilds. */
inline apply(t, i) {
    if
    :: t == R_LOCK -> if :: lk[i] != L_USER -> lk[i] = L_OURS :: else fi;
        printf("MSC: Nova: lock instance %d from W%d lands\n", i, w)
    :: t == R_UNLOCK -> lk[i] = L_NONE;
        printf("MSC: Nova: unlock instance %d from W%d lands\n", i, w)
    :: t == R_RESET -> ts[i] = TS_NONE;    /* and vm_state := error */
        printf("MSC: Nova: reset-state instance %d from W%d lands\n", i, w)
    :: t == R_EVAC ->
        if
        :: ts[i] == TS_NONE && !moved[i] ->   /* accepted */
            nacc[i]++; ts[i] = TS_REBUILDING;
            printf("MSC: Nova: evacuate instance %d from W%d ACCEPTED, %d in flight\n",
                   i, w, nacc[i]);
#ifndef NO_ACCEPT_ASSERT     /* the claim builds check the ltl instead */
            assert(nacc[i] + ndone[i] <= 1)
#endif
        :: else                              /* 409 / 400 */
            printf("MSC: Nova: evacuate instance %d from W%d refused\n",
                   i, w)
        fi
    fi
}

active proctype Nova()
{
    byte k, t, i, w;
end:
    do
    :: atomic {
        inflight[0] + inflight[1] > 0 ->
        if
        :: pend[0] > 0 -> k = 0
        :: pend[1] > 0 -> k = 1
        :: pend[2] > 0 -> k = 2
        :: pend[3] > 0 -> k = 3
        :: pend[4] > 0 -> k = 4
        :: pend[5] > 0 -> k = 5
        :: pend[6] > 0 -> k = 6
        :: pend[7] > 0 -> k = 7
        :: pend[8] > 0 -> k = 8
        :: pend[9] > 0 -> k = 9
        :: pend[10] > 0 -> k = 10
        :: pend[11] > 0 -> k = 11
        :: pend[12] > 0 -> k = 12
        :: pend[13] > 0 -> k = 13
        :: pend[14] > 0 -> k = 14
        :: pend[15] > 0 -> k = 15
        :: pend[16] > 0 -> k = 16
        :: pend[17] > 0 -> k = 17
        :: pend[18] > 0 -> k = 18
        :: pend[19] > 0 -> k = 19
        :: pend[20] > 0 -> k = 20
        :: pend[21] > 0 -> k = 21
        :: pend[22] > 0 -> k = 22
        :: pend[23] > 0 -> k = 23
        :: pend[24] > 0 -> k = 24
        :: pend[25] > 0 -> k = 25
        :: pend[26] > 0 -> k = 26
        :: pend[27] > 0 -> k = 27
        :: pend[28] > 0 -> k = 28
        :: pend[29] > 0 -> k = 29
        :: pend[30] > 0 -> k = 30
        :: pend[31] > 0 -> k = 31
        :: pend[32] > 0 -> k = 32
        :: pend[33] > 0 -> k = 33
        :: pend[34] > 0 -> k = 34
        :: pend[35] > 0 -> k = 35
        :: pend[36] > 0 -> k = 36
        :: pend[37] > 0 -> k = 37
        :: pend[38] > 0 -> k = 38
        :: pend[39] > 0 -> k = 39
        :: pend[40] > 0 -> k = 40
        :: pend[41] > 0 -> k = 41
        :: pend[42] > 0 -> k = 42
        :: pend[43] > 0 -> k = 43
        :: pend[44] > 0 -> k = 44
        :: pend[45] > 0 -> k = 45
        :: pend[46] > 0 -> k = 46
        :: pend[47] > 0 -> k = 47
        fi;
        pend[k]--;
        i = k % NI;
        t = (k / NI) % 4;
        w = (k / (4 * NI)) % NW;
        inflight[i]--;
        if
        :: apply(t, i); GHOST_LANDS
        :: losses < MAXLOSS -> losses++;      /* dropped */
            printf("MSC: Nova: a request from W%d is lost\n", w)
        fi;
        k = 0; t = 0; i = 0; w = 0
       }
    :: atomic {
        nacc[0] > 0 -> nacc[0]--;
        if
        :: ndone[0]++; moved[0] = true;
            printf("MSC: Nova: rebuild of instance 0 done\n")
        :: nfail[0]++;
            printf("MSC: Nova: rebuild of instance 0 failed\n")
        fi;
        ts[0] = TS_NONE
       }
    :: atomic {
        nacc[1] > 0 -> nacc[1]--;
        if
        :: ndone[1]++; moved[1] = true;
            printf("MSC: Nova: rebuild of instance 1 done\n")
        :: nfail[1]++;
            printf("MSC: Nova: rebuild of instance 1 failed\n")
        fi;
        ts[1] = TS_NONE
       }
    od
}

/* The monitor's RPC call is delivered twice (a retry after a lost reply);
 * the unique key stores one row. */
active proctype Intake()
{
    atomic { rows == 0 -> rows = 1; status = NEW };
    atomic {
        if
        :: rows == 0 -> rows = 1; status = NEW
        :: else         /* found: answered with the stored row */
        fi;
        assert(rows == 1)
    }
}

init
{
    atomic {
        /* instance 0: a task_state left stuck by the failure, not locked;
         * instance 1: no task, locked by its user before the failure */
        ts[0] = TS_STUCK;
        lk[1] = L_USER;
        ready = true;
        run Worker(0, ENGINE(0));
        run Worker(1, ENGINE(1));
        run Worker(2, ENGINE(2))
    }
}
