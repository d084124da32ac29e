"""imgtrainer.training"""
