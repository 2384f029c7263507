/**
 * The Limn conformance harness: every {@code .lm} program under the test resources folder
 * {@code native/<area>/} runs in-process and must match the expectations written inline in
 * its comments (see {@code native-tests/README.md}).
 *
 * <p>Map of the concepts:
 * <ul>
 *   <li>{@link dev.limn.conformance.Expectations} — the {@code // expect:},
 *       {@code // expect-error:} and {@code // exit:} comments of one program, parsed.</li>
 *   <li>{@link dev.limn.conformance.Corpus} — finds the programs on the classpath; each is a
 *       {@link dev.limn.conformance.Corpus.Entry} named {@code area/file.lm}, which is also the
 *       file name diagnostics show.</li>
 *   <li>{@link dev.limn.conformance.Engine} — the three calls of the embedding API the harness
 *       needs; {@link dev.limn.conformance.LimnEngine} calls {@code dev.limn.run.Limn}, unit tests
 *       pass a fake so the harness is tested on its own.</li>
 *   <li>{@link dev.limn.conformance.ProgramRunner} — compiles and runs one program the way
 *       {@code limn run --seed 42} would (compile errors rendered to stderr with status 2) and
 *       returns a {@link dev.limn.conformance.RunResult}.</li>
 *   <li>{@link dev.limn.conformance.Verdict} — compares a result with its expectations and
 *       builds the failure report.</li>
 *   <li>{@link dev.limn.conformance.Mutator} — truncations and seeded mutations of a program
 *       for the compiler robustness test.</li>
 *   <li>{@link dev.limn.conformance.WholeLanguageGenerator} and
 *       {@link dev.limn.conformance.SequentialSubsetGenerator} — random programs for
 *       {@link dev.limn.conformance.GeneratedProgramsTest}: over the whole language, and over a
 *       sequential subset together with the output a reference evaluator works out.</li>
 *   <li>{@link dev.limn.conformance.TierProgramGenerator} — random sequential programs aimed at
 *       the compiled tier, which {@link dev.limn.conformance.TierDifferentialTest} runs in every
 *       tier mode, the interpreter's output being the reference.</li>
 * </ul>
 *
 * <p>Invariant: after every program, each of the runtime's live resource counts is zero.
 * Programs run one at a time; the runtime's counts are process-wide, so tests here must not
 * run concurrently.
 */
package dev.limn.conformance;
