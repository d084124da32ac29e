"""imgtrainer.library"""
