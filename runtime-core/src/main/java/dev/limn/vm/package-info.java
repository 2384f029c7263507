/**
 * The register VM: instructions, values, the interpreter and its cold paths, builtins and
 * the per-task execution state.
 *
 * <ul>
 *   <li>{@link dev.limn.vm.Opcode} — the single list of instructions (format, register
 *       contract, flags); {@link dev.limn.vm.Instr} — the 64-bit instruction layout and its
 *       accessors; {@link dev.limn.vm.Disassembler} — the {@code limn disasm} listing.</li>
 *   <li>{@link dev.limn.vm.Proto} — a compiled function (code, constants, nested functions,
 *       capture list, per-pc spans, exception table); {@link dev.limn.vm.Closure} and
 *       {@link dev.limn.vm.Box} — function values and captured variables.</li>
 *   <li>{@link dev.limn.vm.Tag} — register tags; {@link dev.limn.vm.Values} — printing,
 *       equality, hashing and type names of object-form values ({@link dev.limn.vm.ListValue},
 *       {@link dev.limn.vm.DictValue}, {@link dev.limn.vm.RangeValue},
 *       {@link dev.limn.value.DurationValue}, {@link dev.limn.value.ErrorValue}).</li>
 *   <li>{@link dev.limn.vm.TaskContext} — all execution state of a task, and the task as a
 *       scheduler fiber: off-heap register blocks ({@link dev.limn.vm.RegisterSegments}) with
 *       their on-heap shadows, the frame stack, pc, error; the fiber's trap word.</li>
 *   <li>{@link dev.limn.vm.ProgramRun} — one run of a program: scheduler, statistics,
 *       deadlock report, the live counts of SPEC §8.</li>
 *   <li>{@code ConcOps} — blocks, spawning, waiting (channels, sleep, permits, await),
 *       atomics and shared writes; {@code Suspend} — how a waiting operation leaves the
 *       dispatch loop; {@link dev.limn.vm.AtomicValue} (off-heap atomic cells) and
 *       {@link dev.limn.value.FutureValue} (block handles).</li>
 *   <li>{@link dev.limn.vm.Interpreter} — the dispatch loop (fast paths only);
 *       {@code ColdOps}, {@code Arith}, {@code Collections}, {@code Methods},
 *       {@link dev.limn.vm.Builtin}, {@code LoopIter}, {@link dev.limn.vm.Types} — the rest.</li>
 *   <li>{@link dev.limn.value.LimnError} — a raised Limn error, without a stack trace.</li>
 * </ul>
 * Invariants: a task's registers are touched only by the thread currently running it
 * (hand-over between carriers is ordered by the fiber's state word); the trap word is
 * shared (opaque reads at safepoints, atomic OR by other threads). Boxes are shared by the
 * tasks that capture them: their reads are plain, their writes from concurrent code take the
 * box's monitor ({@link dev.limn.vm.Box#store}, {@link dev.limn.vm.Box#compareAndSet}).
 * Lists and dicts hold their monitor for each single operation.
 */
package dev.limn.vm;
