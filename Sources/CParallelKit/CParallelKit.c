#include "CParallelKit.h"
