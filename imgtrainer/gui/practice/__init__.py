"""Practice screen: the question panel beside the viewer and its controller."""
