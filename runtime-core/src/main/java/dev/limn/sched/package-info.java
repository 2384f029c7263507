/**
 * Limn's own scheduler: tasks are fibers on a few carrier threads, not threads.
 *
 * <h2>Concepts</h2>
 * <table>
 *   <tr><td>{@link dev.limn.sched.Fiber}</td><td>a schedulable unit (the VM's task context extends it):
 *       state word, wake-up permit, trap word, what it waits on</td></tr>
 *   <tr><td>{@link dev.limn.sched.Scheduler}</td><td>N carriers, a timer thread, exact quiescence
 *       and deadlock detection, host calls, statistics</td></tr>
 *   <tr><td>{@link dev.limn.sched.Carrier}</td><td>one Agrona agent per carrier thread: local
 *       deque + MPMC inbox, work stealing, idle back-off</td></tr>
 *   <tr><td>{@code TimerAgent}</td><td>the timer thread: owns the {@code DeadlineTimerWheel},
 *       polices time slices, starts host-call virtual threads</td></tr>
 *   <tr><td>{@link dev.limn.sched.Timer}</td><td>a pending timer; fire and cancel race through one CAS</td></tr>
 *   <tr><td>{@link dev.limn.sched.HostCall}</td><td>the outcome of a blocking host call run while its fiber is parked</td></tr>
 *   <tr><td>{@link dev.limn.sched.WorkStealingDeque}</td><td>Chase–Lev deque (carriers' local queues, parallel ranges)</td></tr>
 *   <tr><td>{@link dev.limn.sched.CpuPin}</td><td>a thread pinned to one CPU, and the plan of CPUs:
 *       one per carrier, and the spare one the media driver of remote channels may take</td></tr>
 *   <tr><td>{@link dev.limn.sched.Clock}</td><td>the scheduler's time source (a virtual clock can replace it)</td></tr>
 *   <tr><td>{@link dev.limn.sched.Blocked}, {@link dev.limn.sched.DeadlockException}</td><td>deadlock reports</td></tr>
 *   <tr><td>{@code dev.limn.sched.events}</td><td>the flight recorder events of every layer, reached through
 *       {@code FlightEvents}</td></tr>
 * </table>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Nothing blocks a carrier thread: a fiber that must wait registers with its waker,
 *       re-checks, and returns PARKED.</li>
 *   <li>A wake-up is never lost: {@code unpark} stores the permit then loads the state; the
 *       carrier stores PARKED then takes the permit (see {@link dev.limn.sched.Fiber}).</li>
 *   <li>{@code active} counts runnable and running fibers, pending timers, host calls and host
 *       producers; every increment is made by a counted party before its own decrement, so it is
 *       0 exactly when the program is quiescent (SPEC §5.3).</li>
 *   <li>No thread is started from a pinned carrier (a new thread inherits its creator's CPU mask).</li>
 *   <li>Running out of memory never ends a carrier or the timer thread (the agent runner would):
 *       they free the scheduler's reserve, record the failure and go on; a statistic gives up its
 *       count rather than lose the fiber in hand. The reserve and its re-arming:
 *       {@link dev.limn.sched.Scheduler#releaseReserve}, {@link dev.limn.sched.Scheduler#armReserve}.</li>
 * </ul>
 *
 * <h2>Memory order and padding</h2>
 * Shared words are accessed through VarHandles with the accessor prefix saying the order
 * ({@code lv}/{@code sv} volatile, {@code lp} opaque/plain, {@code so} release, {@code cas},
 * {@code xchg}). The deque's top and bottom live off-heap on separate cache lines; queues are
 * JCTools', already padded.
 */
package dev.limn.sched;
