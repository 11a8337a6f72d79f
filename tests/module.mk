# tests/: test programs are declared by the module they test.
