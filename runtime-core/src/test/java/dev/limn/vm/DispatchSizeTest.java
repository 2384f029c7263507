package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;

import org.junit.jupiter.api.Test;

/** HotSpot never JIT-compiles a method over 8000 bytes of bytecode: the dispatch loop must stay under it. */
class DispatchSizeTest {
    @Test
    void dispatchMethodIsNotHuge() throws IOException {
        byte[] bytes;
        try (InputStream in = Interpreter.class.getResourceAsStream("Interpreter.class")) {
            bytes = in.readAllBytes();
        }
        ClassModel model = ClassFile.of().parse(bytes);
        MethodModel run = model.methods().stream()
                .filter(m -> m.methodName().stringValue().equals("run"))
                .findFirst().orElseThrow();
        int length = run.findAttribute(java.lang.classfile.Attributes.code()).map(CodeAttribute::codeLength).orElseThrow();
        assertTrue(length < 8000, "Interpreter.run has " + length + " bytes of bytecode");
        System.out.println("Interpreter.run bytecode length: " + length);
    }
}
