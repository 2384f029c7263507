package dev.limn.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.chan.Channel;
import dev.limn.value.DurationValue;
import dev.limn.value.FutureValue;
import dev.limn.value.LimnError;
import dev.limn.vm.DictValue;
import dev.limn.vm.ListValue;
import dev.limn.vm.Values;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** The wire form of remote channels' values: every type round-trips; bad frames raise Malformed, never anything else. */
class CodecTest {

    private static byte[] frame(Object v) {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(8);
        int n = Codec.encode(v, b, 0);
        return Arrays.copyOf(b.byteArray(), n);
    }

    private static Object decode(byte[] frame) throws Codec.Malformed {
        return Codec.decode(new UnsafeBuffer(frame), 0, frame.length);
    }

    private static Object roundTrip(Object v) throws Codec.Malformed {
        return decode(frame(v));
    }

    private static ListValue list(Object... items) {
        return new ListValue(new ArrayList<>(Arrays.asList(items)));
    }

    private static DictValue sample() {
        DictValue d = new DictValue();
        d.put("name", "ünïcødé ✓");
        d.put(7L, list(1L, -2.5, true, false, null, new DurationValue(3_000_000_000L)));
        d.put(list(1L, 2L), new DictValue());
        return d;
    }

    @Test
    void everyTypeRoundTrips() throws Exception {
        Object[] values = {null, true, false, 0L, 1L, -1L, 63L, -64L, 64L, Long.MAX_VALUE, Long.MIN_VALUE, 0.0, -0.0, 1.5,
            Double.NaN, Double.POSITIVE_INFINITY, "", "hello", "ünïcødé ✓ 😀", new DurationValue(0), new DurationValue(-5),
            new DurationValue(Long.MAX_VALUE), list(), list(1L, "two", 3.0, list(list())), new DictValue(), sample()};
        for (Object v : values) {
            Object back = roundTrip(v);
            assertEquals(Values.repr(v), Values.repr(back), "round trip of " + Values.repr(v));
            assertEquals(Values.typeName(v), Values.typeName(back));
        }
        assertEquals(-0.0, (double) roundTrip(-0.0), 0.0);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((double) roundTrip(-0.0)));
        DictValue d = (DictValue) roundTrip(sample());
        assertEquals(3, d.size());
        assertEquals("ünïcødé ✓", d.get("name"));
        assertTrue(d.has(list(1L, 2L)), "a list key keeps its structural equality");
    }

    @Test
    void intsAreCompact() {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(16);
        assertEquals(3, Codec.encodeInt(5, b, 0));
        assertEquals(3, Codec.encodeInt(-64, b, 0));
        assertEquals(4, Codec.encodeInt(64, b, 0));
        assertEquals(12, Codec.encodeInt(Long.MIN_VALUE, b, 0));
        assertEquals(3, frame(5L).length, "an int sent as an object has the same frame");
        assertEquals(2, Codec.encodeEnd(b, 0));
    }

    @Test
    void intFramesMatchObjectFrames() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(16);
        for (int i = 0; i < 10_000; i++) {
            long v = r.nextLong() >> r.nextInt(64);
            int n = Codec.encodeInt(v, b, 0);
            assertEquals(v, Codec.decode(b, 0, n));
            assertEquals(Arrays.toString(frame(v)), Arrays.toString(Arrays.copyOf(b.byteArray(), n)));
        }
    }

    @Test
    void endOfStreamFrame() throws Exception {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(4);
        int n = Codec.encodeEnd(b, 0);
        assertSame(Codec.END, Codec.decode(b, 0, n));
    }

    @Test
    void valuesThatCannotCrossNameTheirType() {
        Object[][] cases = {
            {Channel.bounded(1), "channel"},
            {new FutureValue("f"), "future"},
            {list(1L, list(Channel.bounded(1))), "channel"},
        };
        for (Object[] c : cases) {
            LimnError e = assertThrows(LimnError.class, () -> frame(c[0]));
            assertEquals("TypeMismatch", e.value.kind);
            assertTrue(e.getMessage().contains("a " + c[1] + " cannot be sent to another process"), e.getMessage());
        }
    }

    @Test
    void aListHoldingItselfIsRefused() {
        ListValue l = list(1L);
        l.items().add(l);
        LimnError e = assertThrows(LimnError.class, () -> frame(l));
        assertTrue(e.getMessage().contains("nested deeper than " + Codec.MAX_DEPTH), e.getMessage());
    }

    @Test
    void otherVersionsAndLeftoversAreRefused() {
        byte[] f = frame(5L);
        f[0] = 3;
        Codec.Malformed e = assertThrows(Codec.Malformed.class, () -> decode(f));
        assertTrue(e.getMessage().contains("version 3"), e.getMessage());
        f[0] = 0;
        e = assertThrows(Codec.Malformed.class, () -> decode(f));
        assertTrue(e.getMessage().contains("version 0, this side reads versions 1 to 2"), e.getMessage());
        byte[] longer = Arrays.copyOf(frame(5L), 4);
        e = assertThrows(Codec.Malformed.class, () -> decode(longer));
        assertTrue(e.getMessage().contains("left over"), e.getMessage());
        assertThrows(Codec.Malformed.class, () -> decode(new byte[0]));
        assertThrows(Codec.Malformed.class, () -> decode(new byte[] {Codec.VERSION, 99}));
        // a count far beyond the frame allocates nothing
        assertThrows(Codec.Malformed.class, () -> decode(new byte[] {Codec.VERSION, Codec.LIST, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}));
        byte[] deep = new byte[2 + 2 * (Codec.MAX_DEPTH + 5)];
        deep[0] = Codec.VERSION;
        for (int i = 1; i + 1 < deep.length; i += 2) {
            deep[i] = Codec.LIST;
            deep[i + 1] = 1;
        }
        e = assertThrows(Codec.Malformed.class, () -> decode(deep));
        assertTrue(e.getMessage().contains("nested deeper") || e.getMessage().contains("truncated"), e.getMessage());
    }

    // ---- batches (version 2) -------------------------------------------------------------------

    /** A batch frame of {@code values} as the publication writes it: ints as int items, the rest from their frames. */
    private static byte[] batch(Object... values) {
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(64);
        int at = Codec.BATCH_HEADER;
        for (Object v : values) {
            at = v instanceof Long l ? Codec.putIntItem(b, at, l) : Codec.putFrameItem(b, at, frame(v));
        }
        Codec.encodeBatchHeader(b, 0, values.length);
        return Arrays.copyOf(b.byteArray(), at);
    }

    /** The values of any frame, in order, as decodeInto gives them (ints unboxed come back as Longs here). */
    private static List<Object> decodeAll(byte[] frame) throws Codec.Malformed {
        Codec.Items items = new Codec.Items();
        boolean end = Codec.decodeInto(new UnsafeBuffer(frame), 0, frame.length, items);
        List<Object> out = new ArrayList<>();
        if (end) {
            out.add(Codec.END);
        }
        for (int i = 0; i < items.size(); i++) {
            Object r = items.refs()[i];
            out.add(r == null ? (Object) items.bits()[i] : r == Channel.NIL ? null : r);
        }
        return out;
    }

    private static final Object[] EVERY_TYPE = {null, true, false, 0L, 1L, -1L, 63L, -64L, 64L, Long.MAX_VALUE, Long.MIN_VALUE,
        0.0, -0.0, 1.5, Double.NaN, "", "hello", "ünïcødé ✓ 😀", new DurationValue(0), new DurationValue(-5),
        list(), list(1L, "two", 3.0, list(list())), new DictValue(), sample()};

    @Test
    void aBatchOfEveryTypeRoundTripsInOrder() throws Exception {
        List<Object> back = decodeAll(batch(EVERY_TYPE));
        assertEquals(EVERY_TYPE.length, back.size());
        for (int i = 0; i < EVERY_TYPE.length; i++) {
            Object v = EVERY_TYPE[i];
            assertEquals(Values.repr(v), Values.repr(back.get(i)), "item " + i);
            assertEquals(Values.typeName(v), Values.typeName(back.get(i)), "item " + i);
        }
        // each type alone in a batch, and two of it
        for (Object v : EVERY_TYPE) {
            assertEquals(Values.repr(v), Values.repr(decodeAll(batch(v)).get(0)));
            List<Object> two = decodeAll(batch(v, v));
            assertEquals(2, two.size());
            assertEquals(Values.repr(v), Values.repr(two.get(1)));
        }
    }

    @Test
    void aBatchIsCompactAndItsIntsComeUnboxed() throws Exception {
        byte[] b = batch(1L, 2L, 3L);
        assertEquals(Codec.BATCH_HEADER + 3 * 2, b.length, "a small int takes 2 bytes in a batch");
        assertEquals(Codec.VERSION, b[0]);
        assertEquals(Codec.BATCH_TAG, b[1]);
        Codec.Items items = new Codec.Items();
        assertFalse(Codec.decodeInto(new UnsafeBuffer(b), 0, b.length, items));
        assertEquals(3, items.size());
        for (int i = 0; i < 3; i++) {
            assertNull(items.refs()[i], "an int is unboxed");
            assertEquals(i + 1, items.bits()[i]);
        }
        // a single-value frame goes through decodeInto too, and appends
        byte[] one = frame("x");
        assertFalse(Codec.decodeInto(new UnsafeBuffer(one), 0, one.length, items));
        assertEquals(4, items.size());
        assertEquals("x", items.refs()[3]);
        items.clear();
        assertEquals(0, items.size());
        assertNull(items.refs()[3], "clear drops the references");
        byte[] end = new byte[2];
        assertTrue(Codec.decodeInto(new UnsafeBuffer(end), 0, Codec.encodeEnd(new UnsafeBuffer(end), 0), items));
        assertEquals(0, items.size());
    }

    @Test
    void batchBoundaries() throws Exception {
        // counts around the 3-byte count's 7-bit groups, and the largest it can say
        for (int n : new int[] {1, 2, 127, 128, 129, 16_383, 16_384, 16_385, Codec.MAX_BATCH_COUNT}) {
            Object[] values = new Object[n];
            for (int i = 0; i < n; i++) {
                values[i] = (long) i - n / 2;
            }
            List<Object> back = decodeAll(batch(values));
            assertEquals(n, back.size(), "batch of " + n);
            assertEquals((long) -n / 2, back.get(0));
            assertEquals((long) n - 1 - n / 2, back.get(n - 1));
        }
        ExpandableArrayBuffer b = new ExpandableArrayBuffer(8);
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeBatchHeader(b, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Codec.encodeBatchHeader(b, 0, Codec.MAX_BATCH_COUNT + 1));
        // a count that disagrees with the values held
        byte[] three = batch(1L, 2L, 3L);
        byte[] saysFour = three.clone();
        saysFour[2] = (byte) (4 | 0x80);
        Codec.Malformed e = assertThrows(Codec.Malformed.class, () -> decodeAll(saysFour));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        byte[] saysTwo = three.clone();
        saysTwo[2] = (byte) (2 | 0x80);
        e = assertThrows(Codec.Malformed.class, () -> decodeAll(saysTwo));
        assertTrue(e.getMessage().contains("left over"), e.getMessage());
        byte[] saysNone = three.clone();
        saysNone[2] = (byte) 0x80;
        e = assertThrows(Codec.Malformed.class, () -> decodeAll(saysNone));
        assertTrue(e.getMessage().contains("empty batch"), e.getMessage());
        byte[] header = Arrays.copyOf(three, Codec.BATCH_HEADER);
        assertThrows(Codec.Malformed.class, () -> decodeAll(header));
        // a batch is not one value, and an end of stream cannot sit in one
        e = assertThrows(Codec.Malformed.class, () -> decode(three));
        assertTrue(e.getMessage().contains("a batch frame where one value was expected"), e.getMessage());
        byte[] withEnd = three.clone();
        withEnd[withEnd.length - 2] = Codec.END_TAG;
        e = assertThrows(Codec.Malformed.class, () -> decodeAll(withEnd));
        assertTrue(e.getMessage().contains("unknown tag 255"), e.getMessage());
    }

    @Test
    void versionOneFramesAreStillRead() throws Exception {
        for (Object v : EVERY_TYPE) {
            byte[] f = frame(v);
            f[0] = Codec.OLDEST_VERSION; // version 1 wrote single values exactly so
            assertEquals(Values.repr(v), Values.repr(decode(f)));
            assertEquals(Values.repr(v), Values.repr(decodeAll(f).get(0)));
        }
        byte[] end = {1, Codec.END_TAG};
        assertSame(Codec.END, decode(end));
        assertEquals(List.of(Codec.END), decodeAll(end));
        // version 1 had no batches
        byte[] b = batch(1L, 2L);
        b[0] = 1;
        Codec.Malformed e = assertThrows(Codec.Malformed.class, () -> decodeAll(b));
        assertTrue(e.getMessage().contains("unknown tag 254"), e.getMessage());
    }

    /** Every truncation and random corruptions of batch frames: values or Malformed, nothing else. */
    @Test
    void fuzzedBatchFramesGiveValuesOrMalformed() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(batch(EVERY_TYPE));
        frames.add(batch(1L, 2L, 300L, -70_000L, Long.MIN_VALUE));
        frames.add(batch("a", list(1L, list(2L, new DictValue())), null, 2.5));
        fuzz(frames, CodecTest::decodeAll, 7, (g, r) -> {
            if (g.length > 1) {
                g[0] = Codec.VERSION;
                g[1] = Codec.BATCH_TAG;
            }
        });
    }

    /** Every truncation and many random corruptions of real frames: a value or Malformed, nothing else. */
    @Test
    void fuzzedFramesGiveAValueOrMalformed() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(frame(sample()));
        frames.add(frame(list(1L, "x", list(2.5, new DurationValue(9)), null, true)));
        frames.add(frame("a longer string, with ünïcødé"));
        frames.add(frame(Long.MIN_VALUE));
        fuzz(frames, CodecTest::decode, 42, (g, r) -> {
            if (g.length > 0 && r.nextBoolean()) {
                g[0] = Codec.VERSION;
            }
        });
    }

    private interface Decoder {
        Object decode(byte[] frame) throws Codec.Malformed;
    }

    /**
     * Decodes every truncation of each of {@code frames} (each must be Malformed), 20,000
     * corruptions of each (1 to 4 random bytes), and 50,000 random messages of up to 40 bytes
     * that {@code head} may give a plausible start: each decodes or is Malformed, and both
     * outcomes are seen.
     */
    private static void fuzz(List<byte[]> frames, Decoder decoder, long seed,
            java.util.function.BiConsumer<byte[], SplittableRandom> head) {
        SplittableRandom r = new SplittableRandom(seed);
        int malformed = 0;
        int decoded = 0;
        for (byte[] f : frames) {
            for (int len = 0; len < f.length; len++) {
                byte[] cut = Arrays.copyOf(f, len);
                assertThrows(Codec.Malformed.class, () -> decoder.decode(cut), "a frame cut to " + len + " of " + f.length + " bytes");
                malformed++;
            }
            for (int i = 0; i < 20_000; i++) {
                byte[] g = f.clone();
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    g[r.nextInt(g.length)] = (byte) r.nextInt(256);
                }
                if (tryDecode(decoder, g)) {
                    decoded++;
                } else {
                    malformed++;
                }
            }
        }
        for (int i = 0; i < 50_000; i++) {
            byte[] g = new byte[r.nextInt(40)];
            for (int k = 0; k < g.length; k++) {
                g[k] = (byte) r.nextInt(256);
            }
            head.accept(g, r);
            if (tryDecode(decoder, g)) {
                decoded++;
            } else {
                malformed++;
            }
        }
        assertTrue(malformed > 1000 && decoded > 100, "both outcomes seen: " + malformed + " malformed, " + decoded + " decoded");
    }

    /** True if {@code g} decodes, false if it is Malformed; any other exception fails the test. */
    private static boolean tryDecode(Decoder decoder, byte[] g) {
        try {
            decoder.decode(g);
            return true;
        } catch (Codec.Malformed e) {
            return false;
        }
    }
}
