package dev.limn.sched;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZII_Result;

/**
 * A due timer expiring on the timer thread while another thread cancels it. The firing side
 * is a real {@link TimerAgent} receiving the timer and polling its wheel ({@code doWork}), run
 * by an actor instead of the scheduler's timer thread; the cancelling side is the public
 * {@link Scheduler#cancel}. This class sits in {@code dev.limn.sched} because the agent, the
 * Timer constructor and its state are package-private.
 *
 * <p>What the FORBIDDEN outcomes catch: an expiry that tests {@code isPending()} and then runs
 * the action, instead of winning the PENDING -> FIRED CAS, runs a timer whose cancel has
 * already returned true ("true, 1"); a cancel that reports false while the action never runs
 * ("false, 0") is a timer dropped by both sides; an action run twice, a timer fired twice.
 * (r1: cancel returned; r2: how often the action ran; r3: the timer's final state,
 * 1 FIRED / 2 CANCELLED.)
 */
@JCStressTest
@Description("Fire and cancel race through one CAS: exactly one wins, the action runs once if it fired and never if cancel returned true.")
@Outcome(id = "true, 0, 2", expect = ACCEPTABLE, desc = "cancelled: the action never runs")
@Outcome(id = "false, 1, 1", expect = ACCEPTABLE, desc = "fired: the action ran once, cancel reports false")
@Outcome(id = {"true, 1, 1", "true, 1, 2"}, expect = FORBIDDEN, desc = "cancel returned true but the action ran")
@Outcome(expect = FORBIDDEN, desc = "neither or both won, or the action ran twice")
@State
public class TimerFireCancelStress {

    /**
     * One idle scheduler for every state (a scheduler per state would start threads per
     * state): it lends its clock and its quiescence count. Its own timer thread never gets a
     * timer; cancel still sends it each cancelled one, which it finds off its wheel and drops.
     */
    static final Scheduler SCHEDULER = Scheduler.builder().carriers(1).build();

    /**
     * The timer agent of the thread running {@link #fire}: an agent is confined to one thread
     * (its wheel is not thread-safe), as the scheduler's timer thread is, and it serves every
     * state that thread fires, as the real one serves every timer.
     */
    private static final ThreadLocal<TimerAgent> AGENT = ThreadLocal.withInitial(() -> new TimerAgent(SCHEDULER));

    private final AtomicInteger ran = new AtomicInteger();
    private final Timer timer;

    public TimerFireCancelStress() {
        // What Scheduler.schedule does, minus handing the timer to the scheduler's own thread:
        // count it for quiescence, then create it, due already.
        SCHEDULER.incrementActive();
        timer = new Timer(SCHEDULER.nanoTime(), ran::incrementAndGet);
    }

    @Actor
    public void fire() {
        // The timer thread receives the new timer and polls its wheel: it is due, so this one
        // doWork places it and expires it (unless a cancel got there first).
        TimerAgent agent = AGENT.get();
        agent.command(timer);
        agent.doWork();
    }

    @Actor
    public void cancel(ZII_Result r) {
        r.r1 = SCHEDULER.cancel(timer);
    }

    @Arbiter
    public void outcome(ZII_Result r) {
        r.r2 = ran.get();
        r.r3 = timer.lvState();
    }
}
