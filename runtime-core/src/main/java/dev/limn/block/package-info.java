/**
 * Concurrent blocks (SPEC §5.1, §6.2): what the compiler knows of a block and the state of
 * one running block.
 *
 * <ul>
 *   <li>{@link dev.limn.block.BlockConfig} — the validated parameters of a block statement
 *       (compile-time errors list the valid names and values).</li>
 *   <li>{@link dev.limn.block.BlockSpec} — a block as a constant of the compiled function:
 *       configuration, whether it closes its output, its label for diagnostics.</li>
 *   <li>{@link dev.limn.block.BlockRun} — one running block: units, pending count, Stop (first
 *       error, cancellation, counts), {@code cores} permits, output and input channels and
 *       the completion future.</li>
 * </ul>
 * Units are {@code dev.limn.vm.TaskContext} fibers started by the VM's SPAWN/SPAWNW; they
 * report their end to their BlockRun, which completes when the body and every unit have
 * ended. Every shared field is atomic or volatile; the completion future orders the units'
 * effects before whoever waits for it.
 */
package dev.limn.block;
