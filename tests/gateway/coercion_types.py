"""The input types the coercion-plan tests share: defaults, a list of objects, an enum, a
oneOf input, all of which graphql-core's coercion treats apart."""

INPUT_TYPES = """
    enum Colour { RED BLUE }
    input Inner { a: Int = 3, b: String!, c: [Int] }
    input Outer { inner: Inner, list: [Inner!], tag: Colour = RED, word: String }
    input Either @oneOf { left: Int, right: String }
"""
