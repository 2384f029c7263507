package dev.limn.jsr223;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Bytes to a {@link Writer} chosen at write time: decodes UTF-8 (a character split between two
 * writes waits for its last byte), writes what it decoded at once and flushes the writer on
 * {@link #flush}. The Limn runtime's {@code print} writes through a PrintStream on this.
 */
final class WriterOutputStream extends OutputStream {
    private final Supplier<Writer> target;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes not decoded yet (the start of a character); read mode between calls. */
    private ByteBuffer pending = ByteBuffer.allocate(256).flip();
    private final CharBuffer chars = CharBuffer.allocate(1024);

    WriterOutputStream(Supplier<Writer> target) {
        this.target = target;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (pending.remaining() + len > pending.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.remaining() + len));
            bigger.put(pending).flip();
            pending = bigger;
        }
        pending.compact().put(b, off, len).flip();
        Writer w = target.get();
        for (;;) {
            boolean more = decoder.decode(pending, chars, false).isOverflow();
            chars.flip();
            if (w != null && chars.hasRemaining()) {
                w.write(chars.array(), chars.arrayOffset() + chars.position(), chars.remaining());
            }
            chars.clear();
            if (!more) {
                break;
            }
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        Writer w = target.get();
        if (w != null) {
            w.flush();
        }
    }
}
