#include "trace/trace-hw_dextbed.h"
