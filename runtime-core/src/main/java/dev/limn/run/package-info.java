/**
 * Whole programs, as {@code limn run} runs them: compile a file, run its top level to the end on
 * an engine, report an unhandled error or a deadlock on the error stream and return the exit
 * status. The command line, the conformance and benchmark harnesses and most of the runtime's
 * own tests go through here. It is internal: the module exports only {@code dev.limn.api},
 * whose {@code LimnRuntime} compiles through {@link dev.limn.run.Limn} as well.
 *
 * <table>
 *   <caption>Concepts</caption>
 *   <tr><th>concept</th><th>class</th></tr>
 *   <tr><td>compile, run, disassemble; an engine a caller keeps across runs</td><td>{@link dev.limn.run.Limn}</td></tr>
 *   <tr><td>a program that compiled: its source and the proto of its top level</td><td>{@link dev.limn.run.CompiledProgram}, {@link dev.limn.run.LimnProgram}</td></tr>
 *   <tr><td>how a run goes: carriers, pinning, statistics, seed, depth limit, trace file</td><td>{@link dev.limn.run.RunOptions}</td></tr>
 * </table>
 */
package dev.limn.run;
