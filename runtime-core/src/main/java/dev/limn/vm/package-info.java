/**
 * The register VM: instructions, values, the interpreter and the classes of its instruction
 * families, builtins and the per-task execution state.
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
 *       their on-heap shadows, the frame stack, pc, error; the fiber's trap word.
 *       {@code Registers} — the only accessors of a running task's registers, and in the
 *       checked VM mode ({@code -Dlimn.vm.checked=true}) the one place that checks each access
 *       against the running frame.</li>
 *   <li>{@link dev.limn.vm.ProgramRun} — one run of a program: scheduler, statistics,
 *       deadlock report, the live counts of SPEC §8; {@link dev.limn.vm.TaskDump} — every live
 *       task of an engine's runs (state, wait, stack, block tree), read from another thread.</li>
 *   <li>{@link dev.limn.vm.Interpreter} — the dispatch loop: the fast paths of the
 *       {@link dev.limn.vm.Opcode.Family#HOT} opcodes; every other instruction goes, by its
 *       {@link dev.limn.vm.Opcode.Family}, to the one class that serves it (each class's
 *       header lists its opcodes):
 *       <ul>
 *         <li>{@code Operators} — operators without a fast path, and the hot cases' slow
 *             paths ({@code Arith} computes on object-form values);</li>
 *         <li>{@code Captures} — boxes, closures, shared writes to captured variables;</li>
 *         <li>{@code Collections} — lists, dicts, ranges, indexing;</li>
 *         <li>{@code Loops} — the counting loop's start, generic iteration ({@code LoopIter});</li>
 *         <li>{@link dev.limn.vm.Builtin} — builtin functions; {@code Methods} — every method
 *             of every builtin type; {@link dev.limn.vm.Types} — annotation checks;
 *             {@code Errors} — error values, raising, matching by kind;</li>
 *         <li>{@code Atomics} — atomic variables ({@link dev.limn.vm.AtomicValue}: an
 *             {@link dev.limn.vm.OffHeapAtomic} cell, or a {@link dev.limn.vm.HeapAtomic} for a
 *             variable a function captures); {@code Channels} — channels; {@code Futures} —
 *             await, async calls, combinators ({@link dev.limn.value.FutureValue});
 *             {@code Units} — blocks, their tasks and workers, unit failure and retry;
 *             {@code ParallelLoops} — parallel loops and task families;</li>
 *         <li>{@code Waiting} — how these wait: safepoints, park and retry ({@code Suspend}:
 *             how a waiting operation leaves the dispatch loop), sleep.</li>
 *       </ul></li>
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
