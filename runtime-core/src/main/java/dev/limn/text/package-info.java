/**
 * Source text and the messages that point into it: the lowest layer, imported by every other
 * package and importing none of them.
 *
 * <table>
 *   <caption>Concepts</caption>
 *   <tr><th>concept</th><th>class</th></tr>
 *   <tr><td>a program's text, its name as the user wrote it, its lines</td><td>{@link dev.limn.text.Source}</td></tr>
 *   <tr><td>a place in it: line, column, length</td><td>{@link dev.limn.text.Span}</td></tr>
 *   <tr><td>a compile or runtime error rendered with file:line:col, the line and a caret</td><td>{@link dev.limn.text.Diagnostic}</td></tr>
 * </table>
 * All three are immutable and safe to share between threads.
 */
package dev.limn.text;
