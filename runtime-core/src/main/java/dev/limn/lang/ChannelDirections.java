package dev.limn.lang;

import dev.limn.text.Diagnostic;
import dev.limn.text.Source;
import dev.limn.text.Span;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compile-time half of the direction rule of remote channels: {@code send} on a
 * subscription, or a receive on a publication, is a compile error where the compiler can see
 * it, and stays the runtime {@code TypeMismatch} of {@code vm.Channels} everywhere else.
 *
 * <p>The {@link Resolver} reports, as it binds names, every write to a variable and every
 * directional use of one; {@link #check()} then decides. A variable is <em>send-only</em>
 * when it is a plain variable whose every write, and there is at least one, is
 * {@code x = publish(...)} (or its {@code var} declaration) made by the function that owns it;
 * <em>receive-only</em> likewise with {@code subscribe}. Any other write — another value, a
 * compound assignment, a write from a closure or a unit body that captures it — and any
 * parameter, loop variable, handler binder or name a block declares, makes it unknown, and
 * unknown variables are never reported. So a value that travels (through a parameter, a list,
 * a dict, a function's result) is checked when it is used, at run time.
 *
 * <p>The directional uses are those of SPEC §5 and docs/concurrency.md: {@code send} (and a
 * block's {@code ch=} whose tasks or workers return values, which sends them) needs a sending
 * end; {@code recv}, {@code try_recv}, {@code iter}, {@code worker(v from c)}, a task's
 * {@code task(v in c)}, a worker block's {@code input=}, and {@code ch=} when {@code worker(v)}
 * reads it, need a receiving end; {@code errors=} needs a local channel (errors do not cross).
 */
final class ChannelDirections {
    /** What a write stores, as far as the direction goes. */
    enum Origin {
        PUBLISH("a publication", "publish", "send-only"),
        SUBSCRIBE("a subscription", "subscribe", "receive-only"),
        /** Anything else: the variable's direction is not known at compile time. */
        OTHER(null, null, null);

        final String noun;
        final String builtin;
        final String direction;

        Origin(String noun, String builtin, String direction) {
            this.noun = noun;
            this.builtin = builtin;
            this.direction = direction;
        }
    }

    /** A directional use of a variable; {@code sends} says which end it needs. */
    enum Use {
        SEND(true, "send on"),
        BLOCK_OUTPUT(true, "the block's units return their results to"),
        RECV(false, "recv on"),
        TRY_RECV(false, "try_recv on"),
        ITER(false, "iter over"),
        WORKER_FROM(false, "worker reads"),
        TASK_IN(false, "task(v in ...) reads"),
        INPUT(false, "'input' of the block's workers names"),
        CH_READ(false, "worker(v) reads the block's 'ch',"),
        /** Either end is wrong: a block sends errors, which no remote channel carries. */
        ERRORS(true, "'errors' names");

        final boolean sends;
        final String phrase;

        Use(boolean sends, String phrase) {
            this.sends = sends;
            this.phrase = phrase;
        }
    }

    private static final class Facts {
        Origin origin;
        Span firstWrite;
        final List<Use> uses = new ArrayList<>();
        final List<Span> useSpans = new ArrayList<>();
    }

    private final Source source;
    private final List<Diagnostic> diagnostics;
    private final Map<LocalVar, Facts> facts = new IdentityHashMap<>();

    ChannelDirections(Source source, List<Diagnostic> diagnostics) {
        this.source = source;
        this.diagnostics = diagnostics;
    }

    private Facts of(LocalVar v) {
        return facts.computeIfAbsent(v, k -> new Facts());
    }

    /**
     * A write of {@code v} from function {@code fn} that stores a value of {@code origin}
     * ({@code where} is the call of publish or subscribe, or the write).
     */
    void write(LocalVar v, Object fn, Origin origin, Span where) {
        Facts f = of(v);
        Origin o = v.kind != LocalVar.Kind.PLAIN || v.atomic || fn != v.fn ? Origin.OTHER : origin;
        if (f.origin == null) {
            f.origin = o;
            f.firstWrite = where;
        } else if (f.origin != o) {
            f.origin = Origin.OTHER;
        }
    }

    /** A variable whose value no write of the program sets (a parameter, a loop variable, a block's new channel). */
    void unknown(LocalVar v) {
        of(v).origin = Origin.OTHER;
    }

    /** {@code use} of {@code v}, the name at {@code where}. */
    void use(LocalVar v, Use use, Span where) {
        Facts f = of(v);
        f.uses.add(use);
        f.useSpans.add(where);
    }

    /** After the whole program is resolved: a compile error for each use that goes against its variable's direction. */
    void check() {
        for (Map.Entry<LocalVar, Facts> e : facts.entrySet()) {
            LocalVar v = e.getKey();
            Facts f = e.getValue();
            if (f.origin == null || f.origin == Origin.OTHER || v.kind != LocalVar.Kind.PLAIN) {
                continue;
            }
            for (int i = 0; i < f.uses.size(); i++) {
                Use use = f.uses.get(i);
                String message = message(v, f, use);
                if (message != null) {
                    diagnostics.add(new Diagnostic(null, message, source, f.useSpans.get(i)));
                }
            }
        }
    }

    private static String message(LocalVar v, Facts f, Use use) {
        String holds = "'" + v.name + "' is " + f.origin.noun + " (" + f.origin.builtin + " at line " + f.firstWrite.line() + ")";
        if (use == Use.ERRORS) {
            return use.phrase + " a remote channel: " + holds + "; a block's errors cannot cross processes, name a local channel";
        }
        boolean sendOnly = f.origin == Origin.PUBLISH;
        if (use.sends == sendOnly) {
            return null;
        }
        return use.phrase + " a " + f.origin.direction + " channel: " + holds;
    }
}
