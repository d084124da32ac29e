"""imgtrainer.analysis"""
