package dev.limn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Tasks blocked forever while the rest of the program runs: found by reachability, reported
 * as a PartialDeadlock raised by their block (or, for receivers, ended with end of stream), in
 * normal and deterministic runs; and tasks that something that may still run can wake are
 * never reported. A hang fails the test (each run has a time limit).
 */
class PartialDeadlockTest {
    @TempDir
    Path dir;

    private CliRun.Result limn(String name, String text, String... options) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        String[] args = new String[options.length + 2];
        args[0] = "run";
        System.arraycopy(options, 0, args, 1, options.length);
        args[args.length - 1] = p.toString();
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.limn(args));
    }

    /**
     * Two tasks stuck sending on full channels that only they and their waiting parent reach,
     * while a third computes until the pair is reported (it would spin forever otherwise).
     */
    private static final String PAIR = """
            var reported: atomic = 0;
            concurrent {
                task {
                    var i = 0;
                    while (reported == 0) { i += 1; }
                    print("third finished");
                }
                task {
                    attempt {
                        concurrent {
                            var a = channel(1);
                            var b = channel(1);
                            task { a.send(1); a.send(2); }
                            task { b.send(1); b.send(2); }
                        }
                    } handle PartialDeadlock(e) {
                        print(e.message);
                    }
                    reported = 1;
                }
            }
            print("end");
            """;

    private static String pairReport(String file) {
        return "2 tasks of concurrent block at " + file + ":10:13 are blocked forever: nothing else can reach what they wait on; "
                + "task 1 of concurrent block at " + file + ":10:13 at line 13, sending to channel 1; "
                + "task 2 of concurrent block at " + file + ":10:13 at line 14, sending to channel 2\n";
    }

    @Test
    void aStuckPairIsReportedToItsAttemptWhileAThirdTaskComputes() throws IOException {
        CliRun.Result r = limn("pair.lm", PAIR, "--cores", "2");
        assertEquals(0, r.status(), r.err());
        assertEquals(pairReport(dir.resolve("pair.lm").toString()) + "third finished\nend\n", r.out());
    }

    @Test
    void aStuckPairIsReportedInADeterministicRunToo() throws IOException {
        CliRun.Result r = limn("pair.lm", PAIR, "--deterministic", "--seed", "4");
        assertEquals(0, r.status(), r.err());
        assertEquals(pairReport(dir.resolve("pair.lm").toString()) + "third finished\nend\n", r.out());
    }

    @Test
    void anUnhandledPartialDeadlockIsTheProgramsError() throws IOException {
        CliRun.Result r = limn("unhandled.lm", """
                var reported: atomic = 0;
                concurrent {
                    task { while (reported == 0) { } }
                    task {
                        attempt {
                            concurrent {
                                var c = channel(1);
                                task { c.send(1); c.send(2); }
                            }
                        } handle Timeout(e) { }
                        reported = 1;
                    }
                }
                """, "--cores", "2");
        assertEquals(1, r.status(), r.out());
        assertEquals(true, r.err().startsWith("error[PartialDeadlock]: 1 task of concurrent block at "), r.err());
        assertEquals(true, r.err().contains("is blocked forever"), r.err());
    }

    @Test
    void aReceiverThatNothingCanReachGetsEndOfStream() throws IOException {
        CliRun.Result r = limn("eos.lm", """
                var ended: atomic = 0;
                concurrent {
                    task {
                        var c = channel();
                        iter (v in c) { print(v); }
                        print("stream ended");
                        ended = 1;
                    }
                    task { var i = 0; while (ended == 0) { i += 1; } print("computer finished"); }
                }
                """, "--cores", "2");
        assertEquals(0, r.status(), r.err());
        assertEquals("stream ended\ncomputer finished\n", r.out());
    }

    @Test
    void aWaiterThatARunningTaskCanStillReachIsNotReported() throws IOException {
        // the sender computes for a while, holding the channel, then sends: nothing is stuck
        CliRun.Result r = limn("late.lm", """
                concurrent {
                    task {
                        concurrent {
                            var c = channel();
                            task { print("got", c.recv()); }
                            task { var i = 0; while (i < 40000000) { i += 1; } c.send(i); }
                        }
                    }
                }
                """, "--cores", "2", "--tier", "off");
        assertEquals(0, r.status(), r.err());
        assertEquals("got 40000000\n", r.out());
    }

    @Test
    void aReplyChannelReachableOnlyThroughAnotherChannelsBufferIsNotReported() throws IOException {
        CliRun.Result r = limn("reply.lm", """
                concurrent {
                    task {
                        concurrent {
                            var requests = channel(1);
                            task {
                                var reply = channel();
                                requests.send(reply);   // now only requests' buffer holds it, besides this task
                                print("answer", reply.recv());
                            }
                            task {
                                var i = 0;
                                while (i < 40000000) { i += 1; }
                                var r = requests.recv();
                                r.send(42);
                            }
                        }
                    }
                }
                """, "--cores", "2", "--tier", "off");
        assertEquals(0, r.status(), r.err());
        assertEquals("answer 42\n", r.out());
    }

    @Test
    void aWaiterOnAChannelInAListThatARunningTaskHoldsIsNotReported() throws IOException {
        CliRun.Result r = limn("list.lm", """
                fn pair() { return [channel(), channel()]; }
                concurrent {
                    task {
                        var out = channel(1);
                        concurrent {
                            task {
                                var chans = pair();
                                out.send(chans[0]);
                                print("first", chans[0].recv());
                            }
                            task {
                                var held = [out.recv()];
                                var i = 0;
                                while (i < 40000000) { i += 1; }
                                held[0].send(7);
                            }
                        }
                    }
                }
                """, "--cores", "2", "--tier", "off");
        assertEquals(0, r.status(), r.err());
        assertEquals("first 7\n", r.out());
    }
}
