package dev.limn.remote;

import dev.limn.chan.Channel;
import dev.limn.value.DurationValue;
import dev.limn.value.LimnError;
import dev.limn.vm.DictValue;
import dev.limn.vm.ListValue;
import dev.limn.vm.Values;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of the values that cross processes. A frame is one message: a version byte,
 * then either one value (a tag byte, then the value's bytes), or a batch of values, or the
 * end of stream. Ints and durations are zigzag variable-length (1 byte for -64..63, 10 at
 * most), floats 8 bytes little-endian, strings a variable-length byte count and UTF-8, lists a
 * count and the items, dicts a count and key, value pairs in insertion order.
 *
 * <pre>
 *   single value   | version | tag | value bytes ... |
 *   batch (v2)     | version | 0xFE | count: 3 bytes | tag | value | tag | value | ... |
 *   end of stream  | version | 0xFF |
 * </pre>
 *
 * A batch's count is a variable-length number always written in 3 bytes (continuation bits
 * set on the first two), so the header is written before the values are known; it is read as
 * any variable-length number. An int frame of a small int is 3 bytes; in a batch a small int
 * takes 2.
 *
 * <p>This codec writes version 2 and reads versions 1 and 2: version 1 is the same without
 * batches (a batch tag in a version 1 frame is refused).
 *
 * <p>Decoding checks every length against the frame and every tag, and bounds nesting, so a
 * truncated or corrupted frame raises {@link Malformed}, never anything else; a count cannot
 * make it allocate more than the frame's length.
 */
public final class Codec {
    private Codec() {}

    /** The version this codec writes. */
    public static final byte VERSION = 2;
    /** The oldest version this codec reads (no batch frames). */
    public static final byte OLDEST_VERSION = 1;
    /** The tag of the end-of-stream frame (a publication closed). */
    public static final byte END_TAG = (byte) 0xFF;
    /** The tag of a batch frame (version 2): a count, then that many tagged values. */
    public static final byte BATCH_TAG = (byte) 0xFE;
    /** Bytes before a batch's first value: version, tag, count. */
    public static final int BATCH_HEADER = 5;
    /** The most values a batch's 3-byte count can say. */
    public static final int MAX_BATCH_COUNT = (1 << 21) - 1;
    /** The most bytes an int takes in a batch (tag and 10 bytes of variable-length number). */
    public static final int MAX_INT_ITEM = 11;
    /** The deepest nesting of lists and dicts a frame may hold (a list holding itself goes past it). */
    public static final int MAX_DEPTH = 512;

    static final byte NIL = 0;
    static final byte FALSE = 1;
    static final byte TRUE = 2;
    static final byte INT = 3;
    static final byte FLOAT = 4;
    static final byte STR = 5;
    static final byte LIST = 6;
    static final byte DICT = 7;
    static final byte DURATION = 8;

    /** What {@link #decode} returns for the end-of-stream frame. */
    public static final Object END = new Object() {
        @Override
        public String toString() {
            return "END";
        }
    };

    /** A frame that cannot be decoded: truncated, corrupted, or of another version. */
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    // ---- encoding ------------------------------------------------------------------------------

    /**
     * Writes the frame of {@code value} at {@code offset} of {@code buf} (which must grow: an
     * expandable buffer); returns its length.
     *
     * @throws LimnError TypeMismatch naming the type of a value that cannot cross (fn,
     *                   channel, future, ...), wherever it is nested
     */
    public static int encode(Object value, MutableDirectBuffer buf, int offset) {
        buf.putByte(offset, VERSION);
        return encodeValue(value, buf, offset + 1, 0) - offset;
    }

    /** Writes the frame of an int; returns its length. */
    public static int encodeInt(long value, MutableDirectBuffer buf, int offset) {
        buf.putByte(offset, VERSION);
        buf.putByte(offset + 1, INT);
        return putVarLong(buf, offset + 2, zigzag(value)) - offset;
    }

    /**
     * Writes a batch's header at {@code offset}: version, {@link #BATCH_TAG} and {@code count}
     * (1 to {@link #MAX_BATCH_COUNT}) in 3 bytes; the values follow at {@code offset + BATCH_HEADER}.
     */
    public static void encodeBatchHeader(MutableDirectBuffer buf, int offset, int count) {
        if (count < 1 || count > MAX_BATCH_COUNT) {
            throw new IllegalArgumentException("batch of " + count + " values");
        }
        buf.putByte(offset, VERSION);
        buf.putByte(offset + 1, BATCH_TAG);
        buf.putByte(offset + 2, (byte) ((count & 0x7F) | 0x80));
        buf.putByte(offset + 3, (byte) (((count >>> 7) & 0x7F) | 0x80));
        buf.putByte(offset + 4, (byte) (count >>> 14));
    }

    /** Writes an int as a batch's value (tag and number) at {@code at}; returns the position after it. */
    public static int putIntItem(MutableDirectBuffer buf, int at, long value) {
        buf.putByte(at, INT);
        return putVarLong(buf, at + 1, zigzag(value));
    }

    /**
     * Writes a value as a batch's value at {@code at}, from its single-value frame
     * {@code frame} (what {@link #encode} wrote: the frame without its version byte); returns
     * the position after it.
     */
    public static int putFrameItem(MutableDirectBuffer buf, int at, byte[] frame) {
        buf.putBytes(at, frame, 1, frame.length - 1);
        return at + frame.length - 1;
    }

    /** Writes the end-of-stream frame; returns its length (2). */
    public static int encodeEnd(MutableDirectBuffer buf, int offset) {
        buf.putByte(offset, VERSION);
        buf.putByte(offset + 1, END_TAG);
        return 2;
    }

    private static int encodeValue(Object v, MutableDirectBuffer buf, int at, int depth) {
        switch (v) {
            case null -> {
                buf.putByte(at, NIL);
                return at + 1;
            }
            case Boolean b -> {
                buf.putByte(at, b ? TRUE : FALSE);
                return at + 1;
            }
            case Long l -> {
                buf.putByte(at, INT);
                return putVarLong(buf, at + 1, zigzag(l));
            }
            case Double d -> {
                buf.putByte(at, FLOAT);
                buf.putLong(at + 1, Double.doubleToRawLongBits(d), java.nio.ByteOrder.LITTLE_ENDIAN);
                return at + 9;
            }
            case String s -> {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                buf.putByte(at, STR);
                int p = putVarLong(buf, at + 1, bytes.length);
                buf.putBytes(p, bytes);
                return p + bytes.length;
            }
            case DurationValue d -> {
                buf.putByte(at, DURATION);
                return putVarLong(buf, at + 1, zigzag(d.nanos()));
            }
            case ListValue l -> {
                checkDepth(depth);
                List<Object> items;
                synchronized (l) {
                    items = new ArrayList<>(l.items());
                }
                buf.putByte(at, LIST);
                int p = putVarLong(buf, at + 1, items.size());
                for (Object item : items) {
                    p = encodeValue(item, buf, p, depth + 1);
                }
                return p;
            }
            case DictValue d -> {
                checkDepth(depth);
                List<Object> pairs = new ArrayList<>();
                synchronized (d) {
                    d.forEach((k, x) -> {
                        pairs.add(k);
                        pairs.add(x);
                    });
                }
                buf.putByte(at, DICT);
                int p = putVarLong(buf, at + 1, pairs.size() / 2);
                for (Object item : pairs) {
                    p = encodeValue(item, buf, p, depth + 1);
                }
                return p;
            }
            default -> throw LimnError.typeMismatch("a " + Values.typeName(v)
                    + " cannot be sent to another process (only int, float, bool, str, nil, list, dict and duration can)");
        }
    }

    private static void checkDepth(int depth) {
        if (depth >= MAX_DEPTH) {
            throw new LimnError("Error", "a value nested deeper than " + MAX_DEPTH
                    + " levels cannot be sent to another process (a list or dict that holds itself cannot be sent)");
        }
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static int putVarLong(MutableDirectBuffer buf, int at, long v) {
        while ((v & ~0x7FL) != 0) {
            buf.putByte(at++, (byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buf.putByte(at++, (byte) v);
        return at;
    }

    // ---- decoding ------------------------------------------------------------------------------

    /**
     * Where {@link #decodeInto} puts a frame's values, in order: an int unboxed
     * ({@code refs[i]} null, the int in {@code bits[i]}), any other value as its object, nil
     * as {@link Channel#NIL} (the form {@link Channel#putAll} takes). Grows as needed.
     */
    public static final class Items {
        long[] bits = new long[64];
        Object[] refs = new Object[64];
        int size;

        public long[] bits() {
            return bits;
        }

        public Object[] refs() {
            return refs;
        }

        public int size() {
            return size;
        }

        /** Empties it (dropping the references it held). */
        public void clear() {
            java.util.Arrays.fill(refs, 0, size, null);
            size = 0;
        }

        void addInt(long v) {
            if (size == bits.length) {
                grow();
            }
            bits[size++] = v;
        }

        void add(Object v) {
            if (size == bits.length) {
                grow();
            }
            refs[size++] = v == null ? Channel.NIL : v;
        }

        private void grow() {
            bits = java.util.Arrays.copyOf(bits, size * 2);
            refs = java.util.Arrays.copyOf(refs, size * 2);
        }
    }

    /**
     * Appends the values of the frame at {@code offset}, {@code length} bytes, to {@code into}
     * (one value, or a batch's); true, appending nothing, for the end-of-stream frame.
     *
     * @throws Malformed when the frame is truncated, corrupted, of a version this side does
     *                   not read, or has bytes left over; {@code into} may then hold part of
     *                   the frame's values
     */
    public static boolean decodeInto(DirectBuffer buf, int offset, int length, Items into) throws Malformed {
        Reader r = new Reader(buf, offset, length);
        int version = r.version();
        boolean end = false;
        int tag = r.remaining() > 0 ? buf.getByte(r.at) : 0;
        if (r.remaining() == 1 && tag == END_TAG) {
            r.at++;
            end = true;
        } else if (tag == BATCH_TAG && version >= 2) {
            r.at++;
            int n = r.count();
            if (n == 0) {
                throw new Malformed("empty batch");
            }
            for (int i = 0; i < n; i++) {
                item(r, into);
            }
        } else {
            item(r, into);
        }
        r.checkEnd();
        return end;
    }

    /** Appends the value at the reader's position to {@code into}: an int unboxed. */
    private static void item(Reader r, Items into) throws Malformed {
        if (r.remaining() > 0 && r.buf.getByte(r.at) == INT) {
            r.at++;
            into.addInt(unzigzag(r.varLong()));
        } else {
            into.add(r.value(0));
        }
    }

    /**
     * The value of the single-value frame at {@code offset}, {@code length} bytes, or
     * {@link #END} for the end-of-stream frame.
     *
     * @throws Malformed when the frame is truncated, corrupted, of a version this side does not
     *                   read, has bytes left over, or is a batch
     */
    public static Object decode(DirectBuffer buf, int offset, int length) throws Malformed {
        Reader r = new Reader(buf, offset, length);
        r.version();
        Object v;
        if (r.remaining() == 1 && buf.getByte(r.at) == END_TAG) {
            r.at++;
            v = END;
        } else if (r.remaining() > 0 && buf.getByte(r.at) == BATCH_TAG) {
            throw new Malformed("a batch frame where one value was expected");
        } else {
            v = r.value(0);
        }
        r.checkEnd();
        return v;
    }

    /** Reads one frame, checking each read against its end. */
    private static final class Reader {
        final DirectBuffer buf;
        final int end;
        int at;

        Reader(DirectBuffer buf, int offset, int length) {
            this.buf = buf;
            this.at = offset;
            this.end = offset + length;
        }

        int remaining() {
            return end - at;
        }

        /** Reads the version byte: one this side reads, or Malformed. */
        int version() throws Malformed {
            int version = u8();
            if (version < OLDEST_VERSION || version > VERSION) {
                throw new Malformed("frame of version " + version + ", this side reads versions "
                        + OLDEST_VERSION + " to " + VERSION);
            }
            return version;
        }

        void checkEnd() throws Malformed {
            if (remaining() != 0) {
                throw new Malformed(remaining() + " bytes left over after the value");
            }
        }

        int u8() throws Malformed {
            need(1);
            return buf.getByte(at++) & 0xFF;
        }

        void need(long n) throws Malformed {
            if (n > end - at) {
                throw new Malformed("truncated frame: " + n + " bytes needed at " + at + ", " + (end - at) + " left");
            }
        }

        long varLong() throws Malformed {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new Malformed("variable-length number longer than 10 bytes");
        }

        /** A count of items, each at least one byte: never more than the bytes left. */
        int count() throws Malformed {
            long n = varLong();
            if (n < 0 || n > remaining()) {
                throw new Malformed("count " + n + " larger than the " + remaining() + " bytes left");
            }
            return (int) n;
        }

        Object value(int depth) throws Malformed {
            if (depth > MAX_DEPTH) {
                throw new Malformed("nested deeper than " + MAX_DEPTH + " levels");
            }
            int tag = u8();
            switch (tag) {
                case NIL: return null;
                case FALSE: return Boolean.FALSE;
                case TRUE: return Boolean.TRUE;
                case INT: return unzigzag(varLong());
                case FLOAT: {
                    need(8);
                    double d = Double.longBitsToDouble(buf.getLong(at, java.nio.ByteOrder.LITTLE_ENDIAN));
                    at += 8;
                    return d;
                }
                case STR: {
                    int n = count();
                    byte[] bytes = new byte[n];
                    buf.getBytes(at, bytes);
                    at += n;
                    return new String(bytes, StandardCharsets.UTF_8);
                }
                case DURATION: return new DurationValue(unzigzag(varLong()));
                case LIST: {
                    int n = count();
                    ArrayList<Object> items = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        items.add(value(depth + 1));
                    }
                    return new ListValue(items);
                }
                case DICT: {
                    int n = count();
                    DictValue d = new DictValue();
                    for (int i = 0; i < n; i++) {
                        Object k = value(depth + 1);
                        d.put(k, value(depth + 1));
                    }
                    return d;
                }
                default: throw new Malformed("unknown tag " + tag + " at " + (at - 1));
            }
        }
    }
}
