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
 *       {@link dev.limn.vm.DurationValue}, {@link dev.limn.vm.ErrorValue}).</li>
 *   <li>{@link dev.limn.vm.TaskContext} — all execution state of a task: off-heap register
 *       blocks ({@link dev.limn.vm.RegisterBlocks}) with their on-heap shadows, the frame
 *       stack, pc, error and trap word.</li>
 *   <li>{@link dev.limn.vm.Interpreter} — the dispatch loop (fast paths only);
 *       {@code ColdOps}, {@code Arith}, {@code Collections}, {@code Methods},
 *       {@link dev.limn.vm.Builtin}, {@code LoopIter}, {@link dev.limn.vm.Types} — the rest.</li>
 *   <li>{@link dev.limn.vm.LimnError} — a raised Limn error, without a stack trace.</li>
 * </ul>
 * Invariants: a task's registers and boxes are touched only by the thread currently running
 * it (hand-over between threads is ordered by whoever schedules the task); only the trap word
 * is shared, read with acquire and set with release.
 */
package dev.limn.vm;
