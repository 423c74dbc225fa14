/* PTO runtime: umbrella header. */
#ifndef PTO_PTO_H
#define PTO_PTO_H

#include "pto/status.h"
#include "pto/device.h"
#include "pto/kernel.h"
#include "pto/stats.h"
#include "pto/tensor.h"
#include "pto/run.h"
#include "pto/dispatch.h"
#include "pto/caps.h"
#include "pto/symbols.h"
#include "pto/expr.h"
#include "pto/scalars.h"
#include "pto/csp.h"

#endif
