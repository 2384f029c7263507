package dev.limn.vm;

import dev.limn.chan.Channel;
import dev.limn.value.LimnError;

import java.util.ArrayList;
import java.util.List;

/**
 * The state of one generic {@code iter} loop (ITERPREP/ITERNEXT). Decisions: a list is
 * iterated by index over the length it had when the loop started, reading each item live
 * (so a loop that pushes does not run forever; a loop that shrinks the list stops at its
 * new end); a dict over a snapshot of its keys, skipping keys removed meanwhile; a string
 * by one-character strings; a channel by receiving until end of stream. With two loop variables the first is the index (or the key).
 */
abstract class LoopIter {
    /** Writes the next item to register {@code dst} (and {@code dst + 1} when count is 2); false at the end. */
    abstract boolean next(TaskContext t, int dst, int count);

    /** What the loop iterates over when that may hold references (a list, dict or channel), else null: for {@link PartialDeadlocks}. */
    Object source() {
        return null;
    }

    static LoopIter of(Object v) {
        if (v instanceof RangeValue r) {
            return new OfRange(r);
        }
        if (v instanceof ListValue l) {
            return new OfList(l);
        }
        if (v instanceof DictValue d) {
            return new OfDict(d);
        }
        if (v instanceof String s) {
            return new OfString(s);
        }
        if (v instanceof Channel c) {
            return new OfChannel(c);
        }
        throw LimnError.typeMismatch("cannot iterate over " + Values.typeName(v));
    }

    /** A range by its bounds, not its length: {@code MIN..MAX} has more elements than an int can count. */
    private static final class OfRange extends LoopIter {
        private final long from;
        private final long last;
        private boolean done;
        private long index;

        OfRange(RangeValue r) {
            this.from = r.from();
            this.last = r.last();
            this.done = r.isEmpty();
        }

        @Override
        boolean next(TaskContext t, int dst, int count) {
            if (done) {
                return false;
            }
            long v = from + index;
            if (count == 2) {
                t.setInt(dst, index);
                t.setInt(dst + 1, v);
            } else {
                t.setInt(dst, v);
            }
            done = v == last;
            index++;
            return true;
        }
    }

    private static final class OfList extends LoopIter {
        @Override
        Object source() {
            return list;
        }

        private final ListValue list;
        private final int length;
        private int index;

        OfList(ListValue list) {
            this.list = list;
            this.length = list.items.size();
        }

        @Override
        boolean next(TaskContext t, int dst, int count) {
            Object v;
            synchronized (list) {
                if (index >= length || index >= list.items.size()) {
                    return false;
                }
                v = list.items.get(index);
            }
            if (count == 2) {
                t.setInt(dst, index);
                t.set(dst + 1, v);
            } else {
                t.set(dst, v);
            }
            index++;
            return true;
        }
    }

    private static final class OfDict extends LoopIter {
        @Override
        Object source() {
            return dict;
        }

        private final DictValue dict;
        private final List<DictValue.Key> keys;
        private int index;

        OfDict(DictValue dict) {
            this.dict = dict;
            synchronized (dict) {
                this.keys = new ArrayList<>(dict.map.keySet());
            }
        }

        @Override
        boolean next(TaskContext t, int dst, int count) {
            while (index < keys.size()) {
                DictValue.Key key = keys.get(index++);
                Object value;
                synchronized (dict) {
                    if (!dict.map.containsKey(key)) {
                        continue;
                    }
                    value = dict.map.get(key);
                }
                t.set(dst, key.value());
                if (count == 2) {
                    t.set(dst + 1, value);
                }
                return true;
            }
            return false;
        }
    }

    private static final class OfString extends LoopIter {
        private final String s;
        private int index;

        OfString(String s) {
            this.s = s;
        }

        @Override
        boolean next(TaskContext t, int dst, int count) {
            if (index >= s.length()) {
                return false;
            }
            int cp = s.codePointAt(index);
            String ch = new String(Character.toChars(cp));
            if (count == 2) {
                t.setInt(dst, index);
                t.set(dst + 1, ch);
            } else {
                t.set(dst, ch);
            }
            index += Character.charCount(cp);
            return true;
        }
    }

    /** Receives until end of stream (SPEC §5.3); a receive that must wait parks the task and ITERNEXT runs again. */
    static final class OfChannel extends LoopIter {
        @Override
        Object source() {
            return channel;
        }

        private final Channel channel;
        private long index;

        OfChannel(Channel channel) {
            this.channel = channel;
        }

        @Override
        boolean next(TaskContext t, int dst, int count) {
            Object v = Channels.recvUnboxed(t, channel);
            if (v == Channel.END) {
                return false;
            }
            take(t, v, dst, count);
            return true;
        }

        /**
         * {@link #next} when a value is here now (compiled code's fast path, {@link TierOps#iterNext}):
         * true with the value taken; false with nothing done, and {@link #next} then receives.
         */
        boolean nextNow(TaskContext t, int dst, int count) {
            Object v = channel.pollUnboxed(t);
            if (v == Channel.EMPTY) {
                return false;
            }
            take(t, v, dst, count);
            return true;
        }

        private void take(TaskContext t, Object v, int dst, int count) {
            int to = dst;
            if (count == 2) {
                t.setInt(dst, index);
                to = dst + 1;
            }
            if (v == Channel.INT) {
                t.setInt(to, t.receivedInt());
            } else {
                t.set(to, v);
            }
            index++;
        }
    }
}
