"""Test helpers shared by tenseur's own tests and by anyone writing custom ops."""
from .gradient_check import check_gradients, check_second_order, numeric_gradient  # noqa: F401
from .op_cases import OpCase, case_op_types, run_forward_case, run_gradient_case  # noqa: F401
