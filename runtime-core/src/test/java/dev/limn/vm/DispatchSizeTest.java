package dev.limn.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;

import org.junit.jupiter.api.Test;

/** HotSpot never JIT-compiles a method over 8000 bytes of bytecode: the dispatch loop, and every other method of the interpreter, must stay under it. */
class DispatchSizeTest {
    @Test
    void noInterpreterMethodIsHuge() throws IOException {
        byte[] bytes;
        try (InputStream in = Interpreter.class.getResourceAsStream("Interpreter.class")) {
            bytes = in.readAllBytes();
        }
        ClassModel model = ClassFile.of().parse(bytes);
        int dispatch = 0;
        for (MethodModel m : model.methods()) {
            int length = m.findAttribute(java.lang.classfile.Attributes.code()).map(CodeAttribute::codeLength).orElse(0);
            assertTrue(length < 8000, "Interpreter." + m.methodName().stringValue() + " has " + length + " bytes of bytecode");
            if (m.methodName().stringValue().equals("interpret")) {
                dispatch = length;
            }
        }
        assertTrue(dispatch > 0, "the dispatch loop, Interpreter.interpret, was not found");
        System.out.println("Interpreter.interpret bytecode length: " + dispatch);
    }
}
