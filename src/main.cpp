// ktstr: one binary, many applets. Everything happens in cli.cpp.
#include "applets/cli.hpp"

int main(int argc, char** argv) {
  return ktstr::cli_main(argc, argv);
}
